//! What a queued email says: its bodies written out, or the data a template writes them
//! from when it is sent. A digest's data is a fifth of its text and HTML, and a digest run
//! queues thousands at once; written bodies suit one-off mail (sign-in links, invitations).
//! The capability that keeps mail as a template gives the worker the template's writer when
//! the application is assembled (`TemplateWriters`), so mail knows no template's data.

use crate::entities::mail_bodies;
use anyhow::Context;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Content {
    Written { text: String, html: String },
    Template { template: Template, data: String },
}

/// The templates a message can be kept as until it is sent (their names are stored).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Template {
    /// A digest's letter as JSON.
    Digest,
}

impl Template {
    pub fn as_str(self) -> &'static str {
        match self {
            Template::Digest => "digest",
        }
    }

    fn parse(name: &str) -> Option<Template> {
        match name {
            "digest" => Some(Template::Digest),
            _ => None,
        }
    }
}

/// Writes `(text, html)` from a template's data. The same data must always write the same
/// bodies, so that a message sent again after a crash is the same message.
pub type TemplateWriter = fn(&str) -> anyhow::Result<(String, String)>;

/// The writer of each template, registered when the application is assembled.
#[derive(Clone, Default)]
pub struct TemplateWriters {
    by_template: Vec<(Template, TemplateWriter)>,
}

impl TemplateWriters {
    /// Writes messages kept as `template` with `writer` (a later one for the same template
    /// wins).
    pub fn with(mut self, template: Template, writer: TemplateWriter) -> TemplateWriters {
        self.by_template.retain(|(kept, _)| *kept != template);
        self.by_template.push((template, writer));
        self
    }

    /// `(text, html)` of `data` kept as `template`.
    fn write(&self, template: Template, data: &str) -> anyhow::Result<(String, String)> {
        let (_, writer) = self
            .by_template
            .iter()
            .find(|(kept, _)| *kept == template)
            .with_context(|| format!("no writer for the {} template", template.as_str()))?;
        writer(data)
    }
}

impl Content {
    /// Reads a stored row as one or the other.
    pub fn from_row(body: &mail_bodies::Model) -> anyhow::Result<Content> {
        match body {
            mail_bodies::Model {
                text_body: Some(text),
                html_body: Some(html),
                template: None,
                ..
            } => Ok(Content::Written {
                text: text.clone(),
                html: html.clone(),
            }),
            mail_bodies::Model {
                template: Some(name),
                data: Some(data),
                ..
            } => Ok(Content::Template {
                template: Template::parse(name)
                    .with_context(|| format!("unknown mail template `{name}`"))?,
                data: data.clone(),
            }),
            _ => anyhow::bail!("the message's bodies are incomplete"),
        }
    }

    /// The row that stores it.
    pub fn to_row(self, message_id: String) -> mail_bodies::Model {
        let (text_body, html_body, template, data) = match self {
            Content::Written { text, html } => (Some(text), Some(html), None, None),
            Content::Template { template, data } => {
                (None, None, Some(template.as_str().to_owned()), Some(data))
            }
        };
        mail_bodies::Model {
            message_id,
            text_body,
            html_body,
            template,
            data,
        }
    }

    /// `(text, html)`, a template's written by its writer among `writers`.
    pub fn write(self, writers: &TemplateWriters) -> anyhow::Result<(String, String)> {
        match self {
            Content::Written { text, html } => Ok((text, html)),
            Content::Template { template, data } => writers
                .write(template, &data)
                .with_context(|| format!("writing the {} template", template.as_str())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_survives_its_row() {
        for content in [
            Content::Written {
                text: "hello".into(),
                html: "<p>hello</p>".into(),
            },
            Content::Template {
                template: Template::Digest,
                data: "{}".into(),
            },
        ] {
            let row = content.clone().to_row("<id@x>".into());
            assert_eq!(Content::from_row(&row).unwrap(), content);
        }
    }

    #[test]
    fn a_row_with_neither_or_an_unknown_template_is_refused() {
        let empty = Content::Written {
            text: String::new(),
            html: String::new(),
        }
        .to_row("<id@x>".into());
        let half = mail_bodies::Model {
            html_body: None,
            ..empty.clone()
        };
        assert!(Content::from_row(&half).is_err());
        let unknown = mail_bodies::Model {
            text_body: None,
            html_body: None,
            template: Some("newsletter".into()),
            data: Some("{}".into()),
            ..empty
        };
        assert!(Content::from_row(&unknown)
            .unwrap_err()
            .to_string()
            .contains("newsletter"));
    }
}
