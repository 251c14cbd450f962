//! `admin`: the crisis-staff web app (plain HTML, CSS and JavaScript modules), embedded in the
//! binary. The screens arrive with the admin issue; nothing lives here yet.
