//! Reading `<resource>` and `<area>`.

use super::cursor::{Elem, Fatal};
use super::info::pair;
use super::sequence::Parent;
use super::walker::Walker;
use crate::codes::Code;
use crate::geo::{Circle, GeometryError, Polygon};
use crate::model::{Area, DerefUri, Digest, MimeType, Resource};

/// Reads a resource. `None` when `resourceDesc` or `mimeType` is missing or unusable.
pub(crate) fn read_resource(w: &mut Walker<'_>, elem: &Elem<'_>, path: &str) -> Result<Option<Resource>, Fatal> {
    let (mut desc, mut mime, mut size, mut uri, mut deref, mut digest) = (None, None, None, None, None, None);
    let mut mime_present = false;
    w.children(Parent::Resource, path, elem.start, |w, child, name, cpath| {
        let at = child.start;
        let t = w.text(&cpath)?;
        match name {
            "resourceDesc" => desc = Some(t),
            "mimeType" => {
                mime_present = true;
                match MimeType::parse(t.trim()) {
                    Ok(m) => mime = Some(m),
                    Err(e) => w.report(Code::MimeTypeInvalid, &cpath, at, format!("<mimeType>: {e}")),
                }
            }
            "size" => size = w.integer(&t, &cpath, at),
            "uri" => uri = Some(t.trim().to_owned()),
            "derefUri" => match DerefUri::parse(t.trim()) {
                Ok(d) => deref = Some(d),
                Err(e) => w.report(Code::DerefUriNotBase64, &cpath, at, format!("<derefUri>: {e}")),
            },
            _ => match Digest::parse(t.trim()) {
                Ok(d) => digest = Some(d),
                Err(e) => w.report(Code::DigestMalformed, &cpath, at, format!("<digest>: {e}")),
            },
        }
        Ok(())
    })?;
    if !mime_present && w.version != super::CapVersion::V1_2 {
        w.upgraded(
            "CAP-U009",
            &format!("{path}/mimeType"),
            "<mimeType> was absent (optional before CAP 1.2); application/octet-stream assumed",
        );
        mime = MimeType::parse("application/octet-stream").ok();
    }
    let (Some(resource_desc), Some(mime_type)) = (desc, mime) else {
        return Ok(None);
    };
    Ok(Some(Resource { resource_desc, mime_type, size, uri, deref_uri: deref, digest }))
}

/// Reads an area. Shapes that cannot be read are reported and left out.
pub(crate) fn read_area(w: &mut Walker<'_>, elem: &Elem<'_>, path: &str, model: &str) -> Result<Area, Fatal> {
    let mut area = Area::described("");
    w.children(Parent::Area, path, elem.start, |w, child, name, cpath| {
        let at = child.start;
        match name {
            "geocode" => area.geocodes.extend(pair(w, &child, &cpath)?),
            "areaDesc" => area.area_desc = w.text(&cpath)?,
            "polygon" => {
                let t = w.text(&cpath)?;
                match Polygon::parse(&t) {
                    Ok(p) => {
                        w.map_path(format!("{model}/polygon[{}]", area.polygons.len() + 1), &cpath);
                        area.polygons.push(p);
                    }
                    Err(e) => w.report(polygon_code(&e), &cpath, at, format!("<polygon>: {e}")),
                }
            }
            "circle" => {
                let t = w.text(&cpath)?;
                match Circle::parse(t.trim()) {
                    Ok(c) => {
                        w.map_path(format!("{model}/circle[{}]", area.circles.len() + 1), &cpath);
                        area.circles.push(c);
                    }
                    Err(e) => w.report(circle_code(&e), &cpath, at, format!("<circle>: {e}")),
                }
            }
            "altitude" => {
                let t = w.text(&cpath)?;
                area.altitude = w.decimal(&t, &cpath, at);
            }
            _ => {
                let t = w.text(&cpath)?;
                area.ceiling = w.decimal(&t, &cpath, at);
            }
        }
        Ok(())
    })?;
    Ok(area)
}

/// The finding code for a polygon that could not be read.
pub(crate) fn polygon_code(e: &GeometryError) -> Code {
    match e {
        GeometryError::Empty => Code::PolygonEmpty,
        GeometryError::OutOfRange(_) => Code::CoordinateOutOfRange,
        GeometryError::TooFewPoints(_) => Code::PolygonTooFewPoints,
        GeometryError::NotClosed { .. } => Code::PolygonNotClosed,
        GeometryError::Malformed(_) | GeometryError::NegativeRadius(_) => Code::PolygonMalformed,
    }
}

/// The finding code for a circle that could not be read.
pub(crate) fn circle_code(e: &GeometryError) -> Code {
    match e {
        GeometryError::OutOfRange(_) => Code::CoordinateOutOfRange,
        GeometryError::NegativeRadius(_) => Code::CircleNegativeRadius,
        _ => Code::CircleMalformed,
    }
}
