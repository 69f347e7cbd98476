//! The integration suite: the whole service over HTTP, with a fresh database per test
//! (SQLite, or PostgreSQL when `TEST_DATABASE_URL` is set).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod account_pages;
mod api_keys;
mod auth;
mod billing;
mod calibration;
mod control_characters;
mod grading;
mod interviews;
mod jobs;
mod jwt;
mod llm;
mod localstripe;
mod mail;
mod openapi;
mod ops;
mod organizations;
mod page;
mod problems;
mod real_llm;
mod redteam;
mod tenancy;
mod tracks;
mod web_auth;
mod web_billing;
mod web_browser;
mod web_interview;
mod web_report;
mod web_settings;
mod webhooks;
