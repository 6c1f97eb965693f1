//! Files of a resource: each upload is a numbered version; earlier ones stay downloadable.

use super::form::{ReceivedFile, ResourceFields};
use super::model::ResourceKind;
use super::queries;
use super::service::announce;
use super::views::ResourceView;
use crate::entities::{resource_versions, resources};
use crate::error::{ApiError, ApiResult};
use crate::events::EventKind;
use crate::files::media_type;
use crate::ids::MemberId;
use crate::networks::access::load;
use crate::text::BoundedText;
use crate::tx::Tx;
use crate::AppState;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, Set,
};

pub(super) fn note_of(fields: &ResourceFields) -> ApiResult<String> {
    Ok(BoundedText::parse("note", fields.note.as_deref().unwrap_or_default(), 2000)?.into_string())
}

/// Stores the file (before the transaction commits, so a committed version always has its
/// bytes) and records it as version `number`.
pub(super) async fn add_file_version(
    state: &AppState,
    txn: &impl ConnectionTrait,
    resource_id: i64,
    number: i32,
    actor: MemberId,
    file: ReceivedFile,
    note: String,
) -> ApiResult<()> {
    let media_type = media_type::detect(&file.upload.head, &file.file_name);
    let sha256 = file.upload.sha256.clone();
    let size = i64::try_from(file.upload.size).unwrap_or(i64::MAX);
    state
        .files
        .keep(file.upload)
        .await
        .map_err(|err| ApiError::Internal(anyhow::Error::new(err).context("keeping an upload")))?;
    resource_versions::ActiveModel {
        resource_id: Set(resource_id),
        version: Set(number),
        sha256: Set(sha256),
        file_name: Set(file.file_name),
        media_type: Set(media_type),
        size_bytes: Set(size),
        note: Set(note),
        uploaded_by: Set(actor.get()),
        created_at: Set(crate::clock::now()),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    Ok(())
}

/// Uploads a new version; earlier ones stay downloadable with `?version=`.
pub async fn add_version(
    state: &AppState,
    actor: MemberId,
    id: i64,
    fields: ResourceFields,
    file: Option<ReceivedFile>,
) -> ApiResult<ResourceView> {
    let Some(file) = file else {
        return Err(ApiError::invalid("file", "is required"));
    };
    let other_fields = [
        ("title", fields.title.is_some()),
        ("kind", fields.kind.is_some()),
        ("url", fields.url.is_some()),
        ("description", fields.description.is_some()),
        ("tags", fields.tags.is_some()),
        ("grade_levels", fields.grade_levels.is_some()),
        ("subjects", fields.subjects.is_some()),
    ];
    if let Some((field, _)) = other_fields.iter().find(|(_, present)| *present) {
        return Err(ApiError::invalid(
            field,
            "a new version takes a file and a note only; edit the resource for the rest",
        ));
    }
    let note = note_of(&fields)?;
    let txn = Tx::begin(state.db.writer()).await?;
    let (resource, access) = load::<resources::Entity>(&txn, actor, id).await?;
    access.require_author_or_facilitator(MemberId(resource.author_id))?;
    if ResourceKind::from_stored(&resource.kind) == ResourceKind::Link {
        return Err(ApiError::invalid("file", "a link has no file"));
    }
    // Touching the row first serializes concurrent uploads (PostgreSQL row lock).
    let touched = resources::Entity::update_many()
        .col_expr(
            resources::Column::UpdatedAt,
            Expr::value(crate::clock::now()),
        )
        .filter(resources::Column::Id.eq(id))
        .filter(resources::Column::DeletedAt.is_null())
        .exec(&txn)
        .await?;
    if touched.rows_affected == 0 {
        return Err(ApiError::NotFound);
    }
    let latest: Option<i32> = resource_versions::Entity::find()
        .select_only()
        .column_as(resource_versions::Column::Version.max(), "max")
        .filter(resource_versions::Column::ResourceId.eq(id))
        .into_tuple()
        .one(&txn)
        .await?
        .flatten();
    let number = latest.unwrap_or(0) + 1;
    add_file_version(state, &txn, id, number, actor, file, note).await?;
    resources::Entity::update_many()
        .col_expr(resources::Column::CurrentVersion, Expr::value(number))
        .filter(resources::Column::Id.eq(id))
        .exec(&txn)
        .await?;
    let resource = resources::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(ApiError::NotFound)?;
    let view = queries::view(&txn, actor, &resource).await?;
    announce(&txn, EventKind::ResourceUpdated, actor, &view).await?;
    txn.commit().await?;
    Ok(view)
}
