//! `areas`: named areas with their CAP polygons and geocodes.

use super::{Executor, now_ms};

/// A named area as stored.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct AreaRow {
    pub id: i64,
    pub name: String,
    pub polygons: String,
    pub geocodes: String,
    pub area_km2: f64,
    pub created_ms: i64,
}

/// Adds an area; gives its id.
pub async fn insert(
    ex: &mut impl Executor,
    name: &str,
    polygons_json: &str,
    geocodes_json: &str,
    area_km2: f64,
) -> Result<i64, sqlx::Error> {
    scalar!(
        ex,
        i64,
        "INSERT INTO areas (name, polygons, geocodes, area_km2, created_ms) VALUES ($1, $2, $3, $4, $5) RETURNING id",
        name,
        polygons_json,
        geocodes_json,
        area_km2,
        now_ms()
    )
}

/// Replaces an area's shapes (a re-import under the same name).
pub async fn replace(
    ex: &mut impl Executor,
    id: i64,
    polygons_json: &str,
    geocodes_json: &str,
    area_km2: f64,
) -> Result<u64, sqlx::Error> {
    exec!(
        ex,
        "UPDATE areas SET polygons = $2, geocodes = $3, area_km2 = $4 WHERE id = $1",
        id,
        polygons_json,
        geocodes_json,
        area_km2
    )
}

/// An area by id.
pub async fn by_id(ex: &mut impl Executor, id: i64) -> Result<Option<AreaRow>, sqlx::Error> {
    fetch_optional!(
        ex,
        AreaRow,
        "SELECT id, name, polygons, geocodes, area_km2, created_ms FROM areas WHERE id = $1",
        id
    )
}

/// An area by name.
pub async fn by_name(ex: &mut impl Executor, name: &str) -> Result<Option<AreaRow>, sqlx::Error> {
    fetch_optional!(
        ex,
        AreaRow,
        "SELECT id, name, polygons, geocodes, area_km2, created_ms FROM areas WHERE name = $1",
        name
    )
}

/// Every area, by name.
pub async fn list(ex: &mut impl Executor) -> Result<Vec<AreaRow>, sqlx::Error> {
    fetch_all!(ex, AreaRow, "SELECT id, name, polygons, geocodes, area_km2, created_ms FROM areas ORDER BY name")
}

/// How many residents' places name the area (they hold it by reference).
pub async fn places_naming(ex: &mut impl Executor, id: i64) -> Result<i64, sqlx::Error> {
    scalar!(ex, i64, "SELECT COUNT(*) FROM places WHERE area_id = $1", id)
}

/// Deletes an area.
pub async fn delete(ex: &mut impl Executor, id: i64) -> Result<u64, sqlx::Error> {
    exec!(ex, "DELETE FROM areas WHERE id = $1", id)
}
