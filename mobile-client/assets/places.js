// The places of a subscription (1 to 10): the phone's current location, a point picked on the
// map of the town (or typed as latitude and longitude), or one of the town's named areas.

import { el, byId } from './dom.js';
import { t } from './i18n.js';
import { pointPicker } from './map.js';

export const MAX_PLACES = 10;

let places = [];
let areas = [];
let onChange = () => {};

function label(p) {
  if ('area' in p) {
    const a = areas.find((x) => x.id === p.area);
    return a ? a.name : t('placeArea', { id: p.area });
  }
  return t('placePoint', { lat: p.lat.toFixed(4), lon: p.lon.toFixed(4) });
}

function render() {
  const list = byId('place-list');
  list.replaceChildren(
    ...places.map((p, i) =>
      el('li', {}, el('span', { text: label(p) }), el('button', { type: 'button', class: 'small', 'aria-label': t('removePlace', { place: label(p) }), text: t('remove'), onclick: () => remove(i) })),
    ),
  );
  byId('places-empty').hidden = places.length > 0;
  onChange(places);
}

function remove(i) {
  places.splice(i, 1);
  render();
  byId('add-location').focus();
}

function add(p) {
  const say = byId('places-error');
  if (places.length >= MAX_PLACES) {
    say.textContent = t('tooManyPlaces', { max: MAX_PLACES });
    return;
  }
  const same = (q) => JSON.stringify(q) === JSON.stringify(p);
  if (!places.some(same)) places.push(p);
  say.textContent = '';
  render();
}

export function getPlaces() {
  return places.slice();
}

export function setPlaces(list) {
  places = list.slice(0, MAX_PLACES);
  render();
}

function useLocation() {
  const status = byId('places-error');
  if (!navigator.geolocation) {
    status.textContent = t('noLocation');
    return;
  }
  status.textContent = t('locating');
  navigator.geolocation.getCurrentPosition(
    (pos) => add({ lat: Math.round(pos.coords.latitude * 1e5) / 1e5, lon: Math.round(pos.coords.longitude * 1e5) / 1e5 }),
    () => (status.textContent = t('noLocation')),
    { enableHighAccuracy: false, timeout: 15000, maximumAge: 300000 },
  );
}

function addPoint() {
  const lat = parseFloat(byId('point-lat').value);
  const lon = parseFloat(byId('point-lon').value);
  if (!(lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180)) {
    byId('places-error').textContent = t('badPoint');
    byId('point-lat').focus();
    return;
  }
  add({ lat, lon });
}

function addArea() {
  const id = parseInt(byId('area-select').value, 10);
  if (Number.isInteger(id)) add({ area: id });
}

/** Wires the controls; `named` are the town's areas, `config` the app's configuration. */
export function setupPlaces(named, config, changed) {
  areas = named;
  onChange = changed;
  const select = byId('area-select');
  select.replaceChildren(...named.map((a) => el('option', { value: a.id, text: a.name })));
  byId('area-picker').hidden = named.length === 0;
  byId('add-location').addEventListener('click', useLocation);
  byId('add-point').addEventListener('click', addPoint);
  byId('add-area').addEventListener('click', addArea);
  const picker = pointPicker(named, config, t('pickLabel'), (lat, lon) => {
    byId('point-lat').value = lat;
    byId('point-lon').value = lon;
    picker.mark(lat, lon);
  });
  const holder = byId('point-map');
  if (picker) holder.replaceChildren(picker.element);
  render();
}

/** Redraws the list in the current language. */
export function relabelPlaces() {
  render();
}
