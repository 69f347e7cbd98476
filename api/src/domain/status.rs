//! The states rows move through, as types. Each is stored as its string value (the
//! columns are plain strings, so no migration) and read back into the enum; an
//! unknown value in the database is an error, never a silent default.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Declares a string-valued enum stored in a string column: `as_str`, `parse`,
/// `Display` and the sea-orm conversions from one list of values.
macro_rules! string_enum {
    ($(#[$meta:meta])* pub enum $name:ident { $($(#[$vmeta:meta])* $variant:ident = $value:literal,)+ }) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize, ToSchema,
        )]
        #[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
        // utoipa cannot read a per-variant `rename` whose value is a macro fragment, so
        // the schema takes its names from `rename_all`; every value is its variant's
        // snake_case (a test in this module holds them equal).
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vmeta])* #[sea_orm(string_value = $value)] #[serde(rename = $value)] $variant,)+
        }

        impl $name {
            /// The value stored in the database and shown in the API.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $value,)+
                }
            }

            /// The variant stored as `value`, if any.
            pub fn parse(value: &str) -> Option<Self> {
                match value {
                    $($value => Some(Self::$variant),)+
                    _ => None,
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

string_enum! {
    /// Where an interview is in its life: answered question by question (or posted
    /// whole), submitted, graded by the worker, or failed for good.
    pub enum InterviewStatus {
        InProgress = "in_progress",
        Submitted = "submitted",
        Grading = "grading",
        Graded = "graded",
        Failed = "failed",
    }
}

string_enum! {
    /// How an interview was taken.
    pub enum InterviewOrigin {
        /// Asked one question at a time, timed by the server.
        Session = "session",
        /// Posted whole.
        Transcript = "transcript",
    }
}

string_enum! {
    /// Which allowance an interview consumed (and gets back if grading fails).
    pub enum QuotaSource {
        /// The free interview of a personal organization.
        Trial = "trial",
        /// The plan's allowance for the period.
        Plan = "plan",
    }
}

string_enum! {
    /// An outbox email's delivery state.
    pub enum OutboxStatus {
        Pending = "pending",
        /// Leased to one worker until `lease_expires_at`.
        Sending = "sending",
        Sent = "sent",
        Failed = "failed",
    }
}

string_enum! {
    /// A partner webhook delivery's state.
    pub enum DeliveryStatus {
        Pending = "pending",
        Delivered = "delivered",
        Failed = "failed",
    }
}

string_enum! {
    /// What became of a stored Stripe event.
    pub enum StripeEventStatus {
        Pending = "pending",
        Processed = "processed",
        /// Not for us (an unused type, another customer) or older than what we have.
        Ignored = "ignored",
        /// Cannot be applied (e.g. an unknown price); kept for inspection.
        Dead = "dead",
    }
}

string_enum! {
    /// A Stripe subscription's status, as Stripe names it.
    pub enum SubscriptionStatus {
        Incomplete = "incomplete",
        IncompleteExpired = "incomplete_expired",
        Trialing = "trialing",
        Active = "active",
        PastDue = "past_due",
        Canceled = "canceled",
        Unpaid = "unpaid",
        Paused = "paused",
    }
}

impl SubscriptionStatus {
    /// Whether the subscription gives its plan's allowance (a `past_due` one during
    /// the grace period only; the caller checks that).
    pub fn is_live(self) -> bool {
        matches!(self, Self::Active | Self::Trialing | Self::PastDue)
    }
}

string_enum! {
    /// What an organization pays for.
    pub enum Plan {
        /// The free interview only.
        Free = "free",
        Pro = "pro",
        Team = "team",
        /// A partner organization's monthly allowance.
        Partner = "partner",
    }
}

impl Plan {
    /// The plan's key, as the API and the settings name it.
    pub fn key(self) -> &'static str {
        self.as_str()
    }

    /// The plans that allow more interviews than this one.
    pub fn upgrades(self) -> &'static [Plan] {
        match self {
            Self::Free => &[Self::Pro, Self::Team],
            Self::Pro => &[Self::Team],
            Self::Team | Self::Partner => &[],
        }
    }
}

#[cfg(test)]
mod tests {
    use sea_orm::Iterable;

    use super::*;

    #[test]
    fn every_value_reads_back_as_itself() {
        for s in InterviewStatus::iter() {
            assert_eq!(InterviewStatus::parse(s.as_str()), Some(s));
            assert_eq!(s.to_value(), s.as_str());
        }
        for s in SubscriptionStatus::iter() {
            assert_eq!(SubscriptionStatus::parse(&s.to_string()), Some(s));
        }
        for p in Plan::iter() {
            assert_eq!(Plan::try_from_value(&p.key().to_owned()).ok(), Some(p));
        }
        assert_eq!(OutboxStatus::parse("sending"), Some(OutboxStatus::Sending));
        assert_eq!(DeliveryStatus::parse("bounced"), None);
        assert!(StripeEventStatus::try_from_value(&"later".to_owned()).is_err());
    }

    /// The OpenAPI schema of each status lists exactly the strings sent on the wire.
    #[test]
    #[allow(clippy::expect_used)]
    fn the_documented_values_are_the_wire_values() {
        fn check<T: Iterable + Copy + Serialize + utoipa::PartialSchema>(as_str: fn(T) -> &'static str) {
            let schema = serde_json::to_value(T::schema()).expect("schema");
            let documented: Vec<String> = serde_json::from_value(schema["enum"].clone()).expect("enum list");
            let wire: Vec<String> = T::iter()
                .map(|v| {
                    let value = serde_json::to_value(v).expect("serializes");
                    assert_eq!(value, as_str(v), "serde and as_str agree");
                    as_str(v).to_owned()
                })
                .collect();
            assert_eq!(documented, wire);
        }
        check(InterviewStatus::as_str);
        check(InterviewOrigin::as_str);
        check(QuotaSource::as_str);
        check(OutboxStatus::as_str);
        check(DeliveryStatus::as_str);
        check(StripeEventStatus::as_str);
        check(SubscriptionStatus::as_str);
        check(Plan::as_str);
    }
}
