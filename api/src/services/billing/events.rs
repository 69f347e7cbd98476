//! Version-tolerant reading of Stripe events. Events are kept as raw JSON and only the
//! fields we need are read, from wherever the API version that sent them put them
//! (e.g. the billing period moved from the subscription to its items in 2025, and the
//! invoice's subscription into `parent.subscription_details`). An event whose shape we
//! cannot read is reported as such, never guessed.

use serde_json::Value;

/// The envelope every event has.
#[derive(Debug, Clone, PartialEq)]
pub struct Envelope {
    pub id: String,
    pub event_type: String,
    pub created: i64,
    pub api_version: Option<String>,
    pub object: Value,
}

pub fn envelope(payload: &[u8]) -> Result<Envelope, String> {
    let value: Value = serde_json::from_slice(payload).map_err(|e| format!("not JSON: {e}"))?;
    let id = value["id"].as_str().ok_or("no `id`")?;
    if !id.starts_with("evt_") {
        return Err(format!("`id` {id:?} is not an event id"));
    }
    let event_type = value["type"].as_str().ok_or("no `type`")?;
    let created = value["created"].as_i64().ok_or("no numeric `created`")?;
    let object = value["data"]["object"].clone();
    if !object.is_object() {
        return Err("no `data.object`".into());
    }
    Ok(Envelope {
        id: id.to_owned(),
        event_type: event_type.to_owned(),
        created,
        api_version: value["api_version"].as_str().map(str::to_owned),
        object,
    })
}

/// An id that may be a plain string or an expanded object with an `id`.
fn id_of(v: &Value) -> Option<String> {
    v.as_str()
        .map(str::to_owned)
        .or_else(|| v["id"].as_str().map(str::to_owned))
}

/// What a subscription object says about the subscription.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscriptionSnapshot {
    pub subscription_id: String,
    pub customer_id: String,
    pub status: String,
    /// The price (or, in old API versions and localstripe, plan) of the first item.
    pub price_id: Option<String>,
    pub quantity: u32,
    pub period_start: Option<i64>,
    pub period_end: Option<i64>,
    pub cancel_at_period_end: bool,
}

pub fn subscription(object: &Value) -> Result<SubscriptionSnapshot, String> {
    if object["object"].as_str().is_some_and(|o| o != "subscription") {
        return Err(format!("expected a subscription, found {}", object["object"]));
    }
    let subscription_id = object["id"]
        .as_str()
        .ok_or("subscription without `id`")?
        .to_owned();
    let customer_id = id_of(&object["customer"]).ok_or("subscription without `customer`")?;
    let status = object["status"]
        .as_str()
        .ok_or("subscription without `status`")?
        .to_owned();
    let item = &object["items"]["data"][0];
    let price_id = id_of(&item["price"])
        .or_else(|| id_of(&item["plan"]))
        .or_else(|| id_of(&object["plan"]));
    let quantity = item["quantity"]
        .as_u64()
        .or_else(|| object["quantity"].as_u64())
        .unwrap_or(1);
    let period = |key: &str| object[key].as_i64().or_else(|| item[key].as_i64());
    Ok(SubscriptionSnapshot {
        subscription_id,
        customer_id,
        status,
        price_id,
        quantity: u32::try_from(quantity).unwrap_or(u32::MAX).max(1),
        period_start: period("current_period_start"),
        period_end: period("current_period_end"),
        cancel_at_period_end: object["cancel_at_period_end"].as_bool().unwrap_or(false),
    })
}

/// What an invoice says about the period it paid (or failed to pay).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceSnapshot {
    pub customer_id: String,
    pub subscription_id: Option<String>,
    pub period_start: Option<i64>,
    pub period_end: Option<i64>,
}

pub fn invoice(object: &Value) -> Result<InvoiceSnapshot, String> {
    if object["object"].as_str().is_some_and(|o| o != "invoice") {
        return Err(format!("expected an invoice, found {}", object["object"]));
    }
    let customer_id = id_of(&object["customer"]).ok_or("invoice without `customer`")?;
    let subscription_id = id_of(&object["subscription"])
        .or_else(|| id_of(&object["parent"]["subscription_details"]["subscription"]));
    // The subscription line's period is the service period being paid for; the
    // invoice's own period_start/end describe the previous one.
    let line = object["lines"]["data"]
        .as_array()
        .and_then(|lines| {
            lines
                .iter()
                .find(|l| l["type"] == "subscription" || l["subscription"].is_string())
                .or(lines.first())
        })
        .cloned()
        .unwrap_or(Value::Null);
    Ok(InvoiceSnapshot {
        customer_id,
        subscription_id,
        period_start: line["period"]["start"].as_i64(),
        period_end: line["period"]["end"].as_i64(),
    })
}

/// The customer a checkout session belongs to, and the subscription it created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckoutSnapshot {
    pub customer_id: String,
    pub subscription_id: Option<String>,
    pub metadata_organization: Option<String>,
}

pub fn checkout_session(object: &Value) -> Result<CheckoutSnapshot, String> {
    Ok(CheckoutSnapshot {
        customer_id: id_of(&object["customer"]).ok_or("checkout session without `customer`")?,
        subscription_id: id_of(&object["subscription"]),
        metadata_organization: object["metadata"]["organization_id"]
            .as_str()
            .or_else(|| object["client_reference_id"].as_str())
            .map(str::to_owned),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use serde_json::json;

    use super::*;

    #[test]
    fn reads_the_period_from_the_subscription_or_from_its_items() {
        let old = json!({"object": "subscription", "id": "sub_1", "customer": "cus_1", "status": "active",
            "current_period_start": 100, "current_period_end": 200,
            "items": {"data": [{"plan": {"id": "plan_pro"}, "quantity": 1}]}});
        let new = json!({"object": "subscription", "id": "sub_1", "customer": {"id": "cus_1"}, "status": "active",
            "items": {"data": [{"price": {"id": "price_pro"}, "quantity": 3,
                "current_period_start": 100, "current_period_end": 200}]}});
        let a = subscription(&old).unwrap();
        let b = subscription(&new).unwrap();
        assert_eq!((a.period_start, a.period_end), (Some(100), Some(200)));
        assert_eq!((b.period_start, b.period_end), (Some(100), Some(200)));
        assert_eq!(a.price_id.as_deref(), Some("plan_pro"));
        assert_eq!(b.price_id.as_deref(), Some("price_pro"));
        assert_eq!(b.customer_id, "cus_1");
        assert_eq!(b.quantity, 3);
    }

    #[test]
    fn reads_the_invoice_subscription_from_old_and_new_places() {
        let old = json!({"object": "invoice", "customer": "cus_1", "subscription": "sub_1",
            "lines": {"data": [{"period": {"start": 200, "end": 300}}]}});
        let new = json!({"object": "invoice", "customer": "cus_1",
            "parent": {"subscription_details": {"subscription": "sub_1"}},
            "lines": {"data": [{"type": "subscription", "period": {"start": 200, "end": 300}}]}});
        for v in [old, new] {
            let i = invoice(&v).unwrap();
            assert_eq!(i.subscription_id.as_deref(), Some("sub_1"));
            assert_eq!((i.period_start, i.period_end), (Some(200), Some(300)));
        }
    }

    #[test]
    fn malformed_events_are_refused_with_a_reason() {
        assert!(envelope(b"not json").is_err());
        assert!(envelope(br#"{"id": "evt_1", "type": "x", "created": 1}"#).is_err());
        assert!(envelope(br#"{"id": "x", "type": "x", "created": 1, "data": {"object": {}}}"#).is_err());
        assert!(subscription(&json!({"object": "subscription", "id": "sub_1"})).is_err());
        assert!(invoice(&json!({"object": "charge"})).is_err());
    }
}
