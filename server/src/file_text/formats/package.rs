//! A zip package (the container of DOCX, PPTX, XLSX and OpenDocument files) read within
//! limits: how many entries it may list, and how many bytes a part and all parts read may
//! inflate to, checked against what each entry declares and against what it really gives.

use super::{mib, Unreadable};
use std::io::{Cursor, Read};

/// Entries a package may list.
pub const MAX_ENTRIES: usize = 10_000;
/// Bytes one part may inflate to.
pub const MAX_PART_BYTES: u64 = 64 * 1024 * 1024;
/// Bytes all parts read from one package may inflate to.
pub const MAX_TOTAL_BYTES: u64 = 128 * 1024 * 1024;

pub struct Package<'a> {
    archive: zip::ZipArchive<Cursor<&'a [u8]>>,
    inflated: u64,
}

impl<'a> Package<'a> {
    pub fn open(bytes: &'a [u8]) -> Result<Package<'a>, Unreadable> {
        let archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|err| {
            Unreadable::new(format!("it is not a zip package it can read: {err}"))
        })?;
        if archive.len() > MAX_ENTRIES {
            return Err(Unreadable::new(format!(
                "its package lists {} entries, more than the {MAX_ENTRIES} allowed",
                archive.len()
            )));
        }
        Ok(Package {
            archive,
            inflated: 0,
        })
    }

    pub fn has(&self, name: &str) -> bool {
        self.archive.index_for_name(name).is_some()
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.archive.file_names()
    }

    /// The bytes of part `name`, `None` when there is no such part.
    pub fn part(&mut self, name: &str) -> Result<Option<Vec<u8>>, Unreadable> {
        let unreadable = |err: &dyn std::fmt::Display| {
            Unreadable::new(format!("its part {name} cannot be read: {err}"))
        };
        let Some(index) = self.archive.index_for_name(name) else {
            return Ok(None);
        };
        let mut entry = self
            .archive
            .by_index(index)
            .map_err(|err| unreadable(&err))?;
        let declared = entry.size();
        if declared > MAX_PART_BYTES {
            return Err(Unreadable::new(format!(
                "its part {name} declares {declared} bytes, more than the {} a part may have",
                mib(MAX_PART_BYTES)
            )));
        }
        if self.inflated + declared > MAX_TOTAL_BYTES {
            return Err(Unreadable::new(format!(
                "its parts inflate to more than the {} a package may",
                mib(MAX_TOTAL_BYTES)
            )));
        }
        // One byte more than declared tells a part that lies about its size; it is never
        // inflated any further.
        let mut bytes = Vec::with_capacity(declared.min(1024 * 1024) as usize);
        (&mut entry)
            .take(declared + 1)
            .read_to_end(&mut bytes)
            .map_err(|err| unreadable(&err))?;
        if bytes.len() as u64 > declared {
            return Err(Unreadable::new(format!(
                "its part {name} inflates past the {declared} bytes it declares"
            )));
        }
        self.inflated += bytes.len() as u64;
        Ok(Some(bytes))
    }
}

/// Packages made for the tests of the readers.
#[cfg(test)]
pub(super) fn package_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    use std::io::Write;
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, data) in entries {
        writer
            .start_file(*name, zip::write::SimpleFileOptions::default())
            .unwrap();
        writer.write_all(data).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_are_read_and_missing_ones_are_none() {
        let bytes = package_of(&[("a.xml", b"<a/>")]);
        let mut package = Package::open(&bytes).unwrap();
        assert_eq!(package.part("a.xml").unwrap().unwrap(), b"<a/>");
        assert_eq!(package.part("b.xml").unwrap(), None);
    }

    #[test]
    fn a_part_declaring_more_than_a_part_may_have_is_refused_unread() {
        let big = vec![0u8; (MAX_PART_BYTES + 1) as usize];
        let bytes = package_of(&[("big.xml", &big)]);
        let err = Package::open(&bytes).unwrap().part("big.xml").unwrap_err();
        assert!(
            err.0
                .contains("declares 67108865 bytes, more than the 64 MiB"),
            "{err}"
        );
    }

    #[test]
    fn a_package_listing_too_many_entries_is_refused() {
        let names: Vec<String> = (0..=MAX_ENTRIES).map(|n| format!("{n}.xml")).collect();
        let entries: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), &b""[..])).collect();
        let err = Package::open(&package_of(&entries)).err().unwrap();
        assert!(err.0.contains("10001 entries"), "{err}");
    }

    #[test]
    fn a_truncated_package_is_unreadable() {
        let bytes = package_of(&[("a.xml", b"<a>words</a>")]);
        let err = Package::open(&bytes[..bytes.len() / 2]).err().unwrap();
        assert!(err.0.contains("not a zip package"), "{err}");
    }
}
