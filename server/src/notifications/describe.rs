//! What a notification says ("Cal Colleague mentioned you in …") and the web address it
//! leads to: the same words in the bell, the notifications page and notification emails.

use crate::entities::notifications;

/// One notification in words, with where it leads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// "Cal Colleague mentioned you in “Mentoring for chronic absence”".
    pub headline: String,
    /// An excerpt or a detail, possibly empty.
    pub detail: String,
    /// A web address from `API.md`, relative to `public_url`.
    pub path: String,
}

impl Line {
    pub fn of(n: &notifications::Model, actor: Option<&str>) -> Line {
        // An anonymous asker acted: the notification names only their network.
        let label = n.data["actor_label"].as_str().map(capitalized);
        let who = actor.or(label.as_deref()).unwrap_or("Someone");
        let text = |key: &str| n.data[key].as_str().unwrap_or_default().to_owned();
        let title = text("title");
        let (headline, detail, path) = match n.kind.as_str() {
            "mentioned" | "replied" => {
                let verb = if n.kind == "mentioned" {
                    "mentioned you in"
                } else {
                    "replied to you in"
                };
                let number = n.data["post_number"].as_i64().unwrap_or(1);
                (
                    format!("{who} {verb} “{}”", text("thread_title")),
                    text("excerpt"),
                    format!("/threads/{}#post-{number}", text("thread_id")),
                )
            }
            "help_responded" => (
                format!("{who} answered your help request “{title}”"),
                String::new(),
                format!("/help-requests/{}", n.subject_id),
            ),
            "help_offered" => (
                format!("{who} offered to help with “{title}”"),
                String::new(),
                format!("/help-requests/{}", n.subject_id),
            ),
            "answer_accepted" => (
                format!("{who} accepted your answer to “{title}”"),
                "Thank you for helping a colleague.".to_owned(),
                format!("/help-requests/{}", n.subject_id),
            ),
            "expertise_requested" => (
                format!("{who} needs your expertise: “{title}”"),
                String::new(),
                format!("/help-requests/{}", n.subject_id),
            ),
            "action_item_assigned" => (
                format!("{who} assigned you “{title}”"),
                match n.data["due_on"].as_str() {
                    Some(due) => format!("Due {due} · from {}", text("convening_title")),
                    None => format!("From {}", text("convening_title")),
                },
                format!("/convenings/{}", text("convening_id")),
            ),
            "posted" => (
                format!("{who} posted in “{}”", text("thread_title")),
                text("excerpt"),
                format!(
                    "/threads/{}#post-{}",
                    text("thread_id"),
                    n.data["post_number"].as_i64().unwrap_or(1)
                ),
            ),
            "invited" => (
                format!("{who} invited you to join {}", text("network_name")),
                "The invitation email has the link to accept it.".to_owned(),
                "/notifications".to_owned(),
            ),
            "bright_spot" => (
                format!(
                    "{}: {}.",
                    n.data["team"]["name"].as_str().unwrap_or_default(),
                    text("summary")
                ),
                format!("See what they tried · {}", text("initiative_title")),
                format!("/initiatives/{}#bright-spots", n.subject_id),
            ),
            "test_tried" => (
                format!(
                    "{who} ({}) is trying your team’s test “{}”",
                    text("team_name"),
                    text("change_idea")
                ),
                text("initiative_title"),
                format!("/tests/{}", text("test_id")),
            ),
            "check_in_due" => (
                format!(
                    "{}: the check-in for {} is missing",
                    text("team_name"),
                    text("period_label")
                ),
                format!("{} · {}", text("measure_name"), text("initiative_title")),
                format!("/initiatives/{}#check-in", text("initiative_id")),
            ),
            "direct_message" => (
                format!("{who} sent you a message"),
                text("excerpt"),
                format!("/conversations/{}", n.subject_id),
            ),
            _ => (
                format!("{who} notified you"),
                String::new(),
                "/notifications".to_owned(),
            ),
        };
        Line {
            headline,
            detail,
            path,
        }
    }
}

/// "a member of …" at the start of a sentence.
fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
