//! Identifiers: as clients see them (`ApiId`, an opaque JSON string such as `"42"`), and as
//! services pass them (`MemberId`, `NetworkId`, …), so that two ids of different kinds
//! cannot be swapped. Entity models keep bare `i64` columns; wrap them where they enter a
//! service and read them back with `.get()` or `i64::from`.

use serde::{de, Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ApiId(pub i64);

impl fmt::Display for ApiId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl FromStr for ApiId {
    type Err = &'static str;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.parse::<i64>() {
            Ok(id) if id > 0 && !s.starts_with('+') => Ok(ApiId(id)),
            _ => Err("is not a valid id"),
        }
    }
}

impl From<i64> for ApiId {
    fn from(id: i64) -> Self {
        ApiId(id)
    }
}

impl Serialize for ApiId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        crate::serialize::id(&self.0, serializer)
    }
}

impl<'de> Deserialize<'de> for ApiId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl de::Visitor<'_> for Visitor {
            type Value = ApiId;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an id string")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<ApiId, E> {
                v.parse().map_err(E::custom)
            }
            // Clients that send ids as JSON numbers are tolerated.
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<ApiId, E> {
                i64::try_from(v)
                    .ok()
                    .filter(|id| *id > 0)
                    .map(ApiId)
                    .ok_or_else(|| E::custom("is not a valid id"))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<ApiId, E> {
                if v > 0 {
                    Ok(ApiId(v))
                } else {
                    Err(E::custom("is not a valid id"))
                }
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

impl utoipa::PartialSchema for ApiId {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .description(Some("Opaque identifier"))
            .examples([serde_json::json!("42")])
            .into()
    }
}

impl utoipa::ToSchema for ApiId {}

/// Declares a typed id: `Copy`, compared and hashed as its integer, printed as it, and
/// usable directly as a query value.
macro_rules! typed_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub i64);

        impl $name {
            pub const fn get(self) -> i64 {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl From<$name> for i64 {
            fn from(id: $name) -> i64 {
                id.0
            }
        }

        impl From<$name> for sea_orm::Value {
            fn from(id: $name) -> sea_orm::Value {
                id.0.into()
            }
        }
    };
}

typed_id!(
    /// A member (`members.id`): the caller, an author, a recipient.
    MemberId
);
typed_id!(
    /// A network (`networks.id`).
    NetworkId
);
typed_id!(
    /// A thread (`threads.id`).
    ThreadId
);
typed_id!(
    /// A post in a thread (`posts.id`).
    PostId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_strings_on_the_wire() {
        assert_eq!(serde_json::to_string(&ApiId(7)).unwrap(), "\"7\"");
        assert_eq!(serde_json::from_str::<ApiId>("\"7\"").unwrap(), ApiId(7));
        assert_eq!(serde_json::from_str::<ApiId>("7").unwrap(), ApiId(7));
    }

    #[test]
    fn typed_ids_print_and_query_as_their_integer() {
        assert_eq!(MemberId(7).to_string(), "7");
        assert_eq!(i64::from(NetworkId(8)), 8);
        assert_eq!(
            sea_orm::Value::from(ThreadId(9)),
            sea_orm::Value::from(9_i64)
        );
    }

    #[test]
    fn nonsense_ids_are_refused() {
        for bad in [
            "\"\"",
            "\"0\"",
            "\"-3\"",
            "\"abc\"",
            "\"+4\"",
            "\"99999999999999999999\"",
        ] {
            assert!(
                serde_json::from_str::<ApiId>(bad).is_err(),
                "{bad} accepted"
            );
        }
    }
}
