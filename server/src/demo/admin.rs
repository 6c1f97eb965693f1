//! `staffroom admin create`.

use crate::auth::passwords::Password;
use crate::display_name::DisplayName;
use crate::email_address::Email;
use crate::entities::members;
use crate::members::queries;
use crate::members::service::{create_member, NewMember};
use crate::tx::Tx;
use crate::AppState;
use anyhow::Context;
use sea_orm::{ActiveModelTrait, Set};

pub async fn create_admin(
    state: &AppState,
    email: &str,
    display_name: &str,
    password: Option<String>,
) -> anyhow::Result<String> {
    let email = Email::parse(email)
        .map_err(|_| anyhow::anyhow!("`{email}` is not a valid email address"))?;
    let display_name = DisplayName::parse(display_name)
        .map_err(|_| anyhow::anyhow!("the display name is invalid"))?;
    let db = state.db.writer();
    if let Some(existing) = queries::find_by_email(db, email.as_str()).await? {
        let mut active: members::ActiveModel = existing.into();
        active.is_admin = Set(true);
        active.update(db).await?;
        return Ok(format!("{} is now an instance admin.", email.as_str()));
    }
    let (password, generated) = match password {
        Some(password) => (password, false),
        None => (crate::random::random_token()[..20].to_owned(), true),
    };
    let parsed = Password::parse(password.clone())
        .map_err(|_| anyhow::anyhow!("the password must be 10 to 256 characters"))?;
    let hash = state
        .hashing
        .hash(parsed)
        .await
        .map_err(|err| anyhow::anyhow!("{err}"))?;
    let txn = Tx::begin(db).await?;
    create_member(
        &txn,
        NewMember {
            email: email.clone(),
            display_name,
            password_hash: Some(hash),
            is_admin: true,
            timezone: None,
        },
    )
    .await
    .map_err(|err| anyhow::anyhow!("{err}"))
    .context("creating the admin")?;
    txn.commit().await?;
    Ok(if generated {
        format!(
            "Created admin {} with password: {}",
            email.as_str(),
            password
        )
    } else {
        format!("Created admin {}.", email.as_str())
    })
}
