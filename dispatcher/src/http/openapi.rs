//! The OpenAPI 3.1 document, generated from the route table and the Rust types of the bodies
//! (JSON Schema 2020-12 by schemars). Each operation names the roles it needs.

use schemars::generate::SchemaSettings;
use serde_json::{Map, Value, json};

use super::error::CODES;
use super::routes::{Access, endpoints};

/// The document.
pub fn document() -> Value {
    let settings = SchemaSettings::draft2020_12().with(|s| s.definitions_path = "/components/schemas".into());
    let mut generator = settings.into_generator();
    let mut paths = Map::new();
    for e in endpoints() {
        let mut op = Map::new();
        op.insert("summary".into(), json!(e.summary));
        op.insert("operationId".into(), json!(operation_id(e.method.as_str(), e.path)));
        op.insert("tags".into(), json!([e.meta.scope]));
        let params: Vec<Value> = e
            .path
            .split('/')
            .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .map(|name| json!({ "name": name, "in": "path", "required": true, "schema": { "type": "string" } }))
            .collect();
        if !params.is_empty() {
            op.insert("parameters".into(), Value::Array(params));
        }
        match e.meta.access {
            Access::Public => {
                op.insert("security".into(), json!([]));
            }
            Access::PeerSecret => {
                op.insert("x-tocsin-roles".into(), json!("a peer with the callback token (Authorization: Bearer)"));
            }
            Access::Signed => {
                op.insert("x-tocsin-roles".into(), json!("any signed-in user or token"));
            }
            Access::Roles(roles) => {
                op.insert("x-tocsin-roles".into(), json!(roles.iter().map(|r| r.as_str()).collect::<Vec<_>>()));
            }
        }
        if let Some(schema) = e.request.map(|f| f(&mut generator)) {
            op.insert(
                "requestBody".into(),
                json!({ "required": true, "content": { "application/json": { "schema": schema } } }),
            );
        } else if let Some(media) = e.request_media {
            op.insert(
                "requestBody".into(),
                json!({ "required": true, "content": { media: { "schema": { "type": "string" } } } }),
            );
        }
        let ok = match e.response.map(|f| f(&mut generator)) {
            Some(schema) => {
                json!({ "description": "success", "content": { "application/json": { "schema": schema } } })
            }
            None => json!({ "description": "success" }),
        };
        op.insert("responses".into(), json!({ "2XX": ok, "default": { "$ref": "#/components/responses/Problem" } }));
        let item = paths.entry(openapi_path(e.path)).or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(item) = item {
            item.insert(e.method.as_str().to_ascii_lowercase(), Value::Object(op));
        }
    }
    let mut schemas = generator.take_definitions(true);
    schemas.insert("Problem".into(), problem_schema());
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Tocsin API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Public warning dispatcher. Errors are RFC 9457 problem+json with a stable `code` (see docs/api-errors.md).",
        },
        "servers": [{ "url": "/" }],
        "security": [{ "bearer": [] }, { "session": [] }],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "bearer": { "type": "http", "scheme": "bearer", "description": "An API token (`tocsin_…`)" },
                "session": { "type": "apiKey", "in": "cookie", "name": super::auth::SESSION_COOKIE, "description": "A browser session; state-changing requests also send X-CSRF-Token" },
            },
            "responses": {
                "Problem": { "description": "A problem", "content": { "application/problem+json": { "schema": { "$ref": "#/components/schemas/Problem" } } } },
            },
        },
    })
}

fn problem_schema() -> Value {
    let codes: Vec<&str> = CODES.iter().map(|(c, _, _)| *c).collect();
    json!({
        "type": "object",
        "required": ["type", "title", "status", "detail", "code"],
        "properties": {
            "type": { "type": "string" },
            "title": { "type": "string" },
            "status": { "type": "integer" },
            "detail": { "type": "string" },
            "code": { "type": "string", "enum": codes },
            "field": { "type": "string", "description": "The field at fault, as a JSON pointer" },
            "findings": { "type": "array", "items": { "type": "object" } },
        },
    })
}

fn openapi_path(path: &str) -> String {
    path.to_owned()
}

fn operation_id(method: &str, path: &str) -> String {
    let mut id = method.to_ascii_lowercase();
    for seg in path.split('/').filter(|s| !s.is_empty() && *s != "api" && *s != "v1") {
        let seg = seg.trim_start_matches('{').trim_end_matches('}').replace(['.', '-'], "_");
        id.push('_');
        id.push_str(&seg);
    }
    id
}
