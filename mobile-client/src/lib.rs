//! `mobile-client`: the residents' PWA (manifest, service worker, Web Push), embedded in the
//! binary. The pages arrive with the residents issue; nothing lives here yet.
