//! A notification email: one line per notification (who did what, where, with a link), a
//! subject that is the first line (and how many more), text and inline-styled HTML, and
//! a footer to turn each kind off.

use crate::mail::unsubscribe::EmailKind;
use crate::mail::{layout, OutgoingEmail};

pub use super::describe::Line;

pub struct Links {
    pub public_url: String,
    pub settings: String,
    /// A one-click unsubscribe link for each kind in the email.
    pub unsubscribe: Vec<(EmailKind, String)>,
}

pub fn subject(lines: &[Line]) -> String {
    match lines {
        [] => "Nothing new".to_owned(),
        [only] => only.headline.clone(),
        [first, rest @ ..] => format!("{} (and {} more)", first.headline, rest.len()),
    }
}

pub fn email(display_name: &str, lines: &[Line], links: &Links) -> OutgoingEmail {
    let subject = subject(lines);
    let mut text = format!("Hello {display_name},\n");
    for line in lines {
        text.push_str(&format!("\n- {}\n", line.headline));
        if !line.detail.is_empty() {
            text.push_str(&format!("  {}\n", line.detail.replace('\n', " ")));
        }
        text.push_str(&format!("  {}{}\n", links.public_url, line.path));
    }
    text.push_str(&format!(
        "\n--\nAll your notifications: {}/notifications\nChoose which emails you get: {}\n",
        links.public_url, links.settings
    ));
    for (kind, url) in &links.unsubscribe {
        text.push_str(&format!("Stop {}: {url}\n", kind.describe()));
    }

    let mut rows = String::new();
    for line in lines {
        let href = format!("{}{}", links.public_url, line.path);
        rows.push_str(&layout::item_row(&href, &line.headline, &line.detail));
    }
    let mut footer = format!(
        "You get these emails for notifications you have not seen on Staffroom. {} · {}",
        layout::footer_link(
            &format!("{}/notifications", links.public_url),
            "All notifications"
        ),
        layout::footer_link(&links.settings, "Choose which emails you get"),
    );
    for (kind, url) in &links.unsubscribe {
        footer.push_str(" · ");
        footer.push_str(&layout::footer_link(
            url,
            &format!("Stop {}", kind.describe()),
        ));
    }
    let intro = format!("Hello {display_name}, here is what you missed.");
    // Under the subject (the first line), a phone shows the first line's words.
    let preheader = lines
        .first()
        .map(|line| line.detail.replace('\n', " "))
        .filter(|detail| !detail.trim().is_empty())
        .unwrap_or_else(|| intro.clone());
    let html = layout::page(&subject, &preheader, &intro, &rows, &footer);
    OutgoingEmail {
        subject,
        text,
        html,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entities::notifications;

    fn notification(kind: &str, data: serde_json::Value) -> notifications::Model {
        notifications::Model {
            id: 1,
            recipient_id: 2,
            kind: kind.into(),
            subject_type: "post".into(),
            subject_id: 9,
            network_id: Some(1),
            actor_id: Some(3),
            data,
            created_at: crate::clock::now(),
            read_at: None,
            emailed_at: None,
            email_message_id: None,
            emailed_words: None,
        }
    }

    #[test]
    fn a_mention_links_to_the_post_and_a_burst_reads_as_one_subject() {
        let mention = notification(
            "mentioned",
            serde_json::json!({"thread_id": "7", "thread_title": "Bus <routes>", "post_number": 4, "excerpt": "@rita what do you think?"}),
        );
        let line = Line::of(&mention, Some("Cal Colleague"));
        assert_eq!(
            line.headline,
            "Cal Colleague mentioned you in “Bus <routes>”"
        );
        assert_eq!(line.path, "/threads/7#post-4");
        let links = Links {
            public_url: "https://s.example".into(),
            settings: "https://s.example/settings".into(),
            unsubscribe: vec![(
                EmailKind::Mentioned,
                "https://s.example/unsubscribe?token=t".into(),
            )],
        };
        let email = email("Rita", &[line.clone(), line.clone(), line], &links);
        assert_eq!(
            email.subject,
            "Cal Colleague mentioned you in “Bus <routes>” (and 2 more)"
        );
        assert!(email.text.contains("https://s.example/threads/7#post-4"));
        assert!(email.html.contains("Bus &lt;routes&gt;"));
        assert!(email
            .text
            .contains("Stop emails when someone mentions you or replies to you"));
    }
}
