//! `channels`: the delivery channels of Tocsin (Web Push, SMS, email, webhooks) behind one
//! `Channel` trait. The adapters arrive with the fan-out engine; nothing lives here yet.
