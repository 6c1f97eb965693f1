//! Reaction counts kept on each post (as Discourse keeps `like_count`), so that a thread page
//! reads them with its posts instead of counting reactions for every post on every read.
//! Reactions change them in the same transaction; existing reactions are counted here once.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const KINDS: [(&str, Posts); 3] = [
    ("helpful", Posts::HelpfulCount),
    ("thanks", Posts::ThanksCount),
    ("agree", Posts::AgreeCount),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (kind, column) in KINDS {
            manager
                .alter_table(
                    Table::alter()
                        .table(Posts::Table)
                        .add_column(
                            ColumnDef::new(column.clone())
                                .integer()
                                .not_null()
                                .default(0),
                        )
                        .to_owned(),
                )
                .await?;
            let count = Query::select()
                .expr(Expr::col((Reactions::Table, Reactions::PostId)).count())
                .from(Reactions::Table)
                .and_where(
                    Expr::col((Reactions::Table, Reactions::PostId))
                        .equals((Posts::Table, Posts::Id)),
                )
                .and_where(Expr::col((Reactions::Table, Reactions::Kind)).eq(kind))
                .to_owned();
            manager
                .exec_stmt(
                    Query::update()
                        .table(Posts::Table)
                        .value(
                            column,
                            SimpleExpr::SubQuery(None, Box::new(count.into_sub_query_statement())),
                        )
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (_, column) in KINDS {
            manager
                .alter_table(
                    Table::alter()
                        .table(Posts::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden, Clone)]
enum Posts {
    Table,
    Id,
    HelpfulCount,
    ThanksCount,
    AgreeCount,
}

#[derive(DeriveIden)]
enum Reactions {
    Table,
    PostId,
    Kind,
}
