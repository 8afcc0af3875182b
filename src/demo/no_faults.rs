//! The shipped fixture server (the demo trusts): no fault can be injected.

use axum::response::Response;
use serde_json::Value;

#[derive(Default)]
pub(super) struct State;

pub(super) struct Paging {
    pub forced: bool,
    pub repeat: bool,
    pub host: Option<String>,
}

pub(super) async fn on_request(_: &State) -> Option<Response> {
    None
}

pub(super) fn on_search(_: &State) -> Option<Response> {
    None
}

pub(super) fn extra_matches(_: &State, _: &str) -> Vec<Value> {
    Vec::new()
}

pub(super) fn paging(_: &State, _: bool, _: &str) -> Paging {
    Paging {
        forced: false,
        repeat: false,
        host: None,
    }
}

pub(super) fn body(_: &State, body: String) -> String {
    body
}

pub(super) fn empty_search(_: &State, _: &str) -> bool {
    false
}

pub(super) fn ignores_last_updated(_: &State) -> bool {
    false
}

pub(super) fn offered(_: &State, _: &str) -> bool {
    true
}

pub(super) fn extra_includes(_: &State, _: &str) -> Vec<Value> {
    Vec::new()
}

pub(super) fn patient(_: &State, p: Value) -> Value {
    p
}

pub(super) fn reported_version(_: &State) -> String {
    "4.0.1".into()
}
