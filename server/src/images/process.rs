//! Turning an uploaded file into images fit to show: decoded only when its header promises
//! a bounded number of pixels, turned upright as its camera said, scaled down, and encoded
//! again from the pixels alone, so nothing of the original file survives: no metadata (a
//! classroom photo's GPS position), no trailing payload, no second format hidden inside.

use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::imageops::FilterType;
use image::{DynamicImage, ImageDecoder, ImageError, ImageFormat, ImageReader, Limits};
use std::io::Cursor;

/// What is kept of an image.
#[derive(Debug, Clone, Copy)]
pub struct Rules {
    pub max_pixels: u64,
    pub max_side: u32,
    pub display_side: u32,
}

/// One encoding of an image.
#[derive(Debug)]
pub struct Encoded {
    pub bytes: Vec<u8>,
    pub media_type: &'static str,
    pub width: u32,
    pub height: u32,
}

/// The image as kept (bounded) and as shown in posts.
#[derive(Debug)]
pub struct Processed {
    pub full: Encoded,
    pub display: Encoded,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Refused {
    /// Not an image this server decodes (JPEG, PNG, WebP, GIF), or a damaged one.
    NotAnImage,
    /// More pixels than allowed.
    TooLarge { width: u32, height: u32 },
}

/// Formats decoded. SVG is not among them: it is a document that can carry script.
const DECODED: [ImageFormat; 4] = [
    ImageFormat::Jpeg,
    ImageFormat::Png,
    ImageFormat::WebP,
    ImageFormat::Gif,
];

/// JPEG quality of photographs: indistinguishable on a screen, a fraction of the size.
const JPEG_QUALITY: u8 = 85;

pub fn process(bytes: &[u8], rules: Rules) -> Result<Processed, Refused> {
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|_| Refused::NotAnImage)?;
    if !reader.format().is_some_and(|f| DECODED.contains(&f)) {
        return Err(Refused::NotAnImage);
    }
    let mut limits = Limits::default();
    // Room for the decoded pixels (at most 8 bytes each) and the decoder's own buffers;
    // what a header promises is checked below, before any of it is allocated.
    limits.max_alloc = Some(rules.max_pixels.saturating_mul(8).saturating_add(64 << 20));
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(refusal)?;
    let (width, height) = decoder.dimensions();
    if u64::from(width) * u64::from(height) > rules.max_pixels {
        return Err(Refused::TooLarge { width, height });
    }
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut image = DynamicImage::from_decoder(decoder).map_err(refusal)?;
    image.apply_orientation(orientation);
    let full = scaled(image, rules.max_side);
    let display = encode(&scaled(full.clone(), rules.display_side))?;
    Ok(Processed {
        full: encode(&full)?,
        display,
    })
}

fn refusal(err: ImageError) -> Refused {
    match err {
        ImageError::Limits(_) => Refused::TooLarge {
            width: 0,
            height: 0,
        },
        _ => Refused::NotAnImage,
    }
}

/// `image` with its longer side at most `side`.
fn scaled(image: DynamicImage, side: u32) -> DynamicImage {
    if image.width() <= side && image.height() <= side {
        image
    } else {
        image.resize(side, side, FilterType::Triangle)
    }
}

/// Pixels with transparency as PNG, the rest (photographs) as JPEG.
fn encode(image: &DynamicImage) -> Result<Encoded, Refused> {
    let mut bytes = Vec::new();
    let media_type = if image.color().has_alpha() {
        image
            .to_rgba8()
            .write_with_encoder(PngEncoder::new(&mut bytes))
            .map_err(|_| Refused::NotAnImage)?;
        "image/png"
    } else {
        image
            .to_rgb8()
            .write_with_encoder(JpegEncoder::new_with_quality(&mut bytes, JPEG_QUALITY))
            .map_err(|_| Refused::NotAnImage)?;
        "image/jpeg"
    };
    Ok(Encoded {
        bytes,
        media_type,
        width: image.width(),
        height: image.height(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{Rgb, RgbImage, Rgba, RgbaImage};

    const RULES: Rules = Rules {
        max_pixels: 4_000_000,
        max_side: 800,
        display_side: 200,
    };

    fn jpeg(width: u32, height: u32) -> Vec<u8> {
        let image = RgbImage::from_pixel(width, height, Rgb([200, 80, 40]));
        let mut bytes = Vec::new();
        image
            .write_with_encoder(JpegEncoder::new(&mut bytes))
            .unwrap();
        bytes
    }

    #[test]
    fn photographs_are_scaled_and_encoded_again() {
        let processed = process(&jpeg(1600, 900), RULES).unwrap();
        assert_eq!((processed.full.width, processed.full.height), (800, 450));
        assert_eq!(
            (processed.display.width, processed.display.height),
            (200, 113)
        );
        assert_eq!(processed.full.media_type, "image/jpeg");
    }

    #[test]
    fn transparency_stays_png() {
        let image = RgbaImage::from_pixel(10, 10, Rgba([0, 0, 0, 0]));
        let mut bytes = Vec::new();
        image
            .write_with_encoder(PngEncoder::new(&mut bytes))
            .unwrap();
        let processed = process(&bytes, RULES).unwrap();
        assert_eq!(processed.display.media_type, "image/png");
        assert_eq!((processed.full.width, processed.full.height), (10, 10));
    }

    #[test]
    fn what_is_not_an_image_or_too_large_is_refused() {
        let svg = br#"<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>"#;
        assert_eq!(process(svg, RULES).unwrap_err(), Refused::NotAnImage);
        // A GIF header whose sizes are script: it claims no pixels and decodes to nothing.
        assert_eq!(
            process(b"GIF89a/*\x00\x00*/=1;alert(1)", RULES).unwrap_err(),
            Refused::NotAnImage
        );
        assert!(matches!(
            process(&jpeg(2100, 2000), RULES).unwrap_err(),
            Refused::TooLarge {
                width: 2100,
                height: 2000
            }
        ));
    }
}
