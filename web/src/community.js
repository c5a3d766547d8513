// The public community support map: the published services matching the
// page's filters as markers over the district boundaries (no tiles: nothing
// is fetched from outside the server). Nearby markers are grouped into
// numbered clusters on a pixel grid at each zoom; a cluster zooms in, a
// service opens its page. Markers are keyboard-focusable (Tab, then
// Enter). The list under the map has the same results for everyone.
import L from 'leaflet'
import 'leaflet/dist/leaflet.css'

const CELL = 56 // cluster grid, in pixels

async function getJSON(url) {
  const res = await fetch(url, { headers: { Accept: 'application/json' } })
  if (!res.ok) throw new Error(res.status + ' ' + res.statusText)
  return res.json()
}

// POINT is a single service's marker, in pixels: WCAG 2.2's smallest
// target (24 px).
const POINT = 24
// GAP is the clear space kept between two markers' edges, in pixels, so no
// marker hides part of another (axe's target-size).
const GAP = 4

// markerSize is the diameter of the marker drawn for a group of n points.
function markerSize(n) {
  return n === 1 ? POINT : n < 10 ? 30 : n < 100 ? 38 : 46
}

// cluster groups points whose projections at zoom fall in the same cell,
// then merges groups whose markers would overlap (a cluster is drawn at its
// points' centre, so neighbouring cells' markers can touch).
export function cluster(map, points, zoom) {
  const cells = new Map()
  for (const p of points) {
    const xy = map.project([p.lat, p.lon], zoom)
    const key = Math.floor(xy.x / CELL) + ':' + Math.floor(xy.y / CELL)
    if (!cells.has(key)) cells.set(key, { points: [], x: 0, y: 0 })
    const c = cells.get(key)
    c.points.push(p)
    c.x += xy.x
    c.y += xy.y
  }
  const groups = [...cells.values()]
  for (let merged = true; merged;) {
    merged = false
    for (let i = 0; i < groups.length && !merged; i++) {
      const a = groups[i]
      for (let j = i + 1; j < groups.length; j++) {
        const b = groups[j]
        // markers are squares to a browser (and to axe): they overlap
        // when they do on both axes
        const dx = Math.abs(a.x / a.points.length - b.x / b.points.length)
        const dy = Math.abs(a.y / a.points.length - b.y / b.points.length)
        if (Math.max(dx, dy) < (markerSize(a.points.length) + markerSize(b.points.length)) / 2 + GAP) {
          a.points.push(...b.points)
          a.x += b.x
          a.y += b.y
          groups.splice(j, 1)
          merged = true
          break
        }
      }
    }
  }
  return groups.map((g) => g.points)
}

// keyed makes a marker a button for the keyboard: Enter or Space clicks it
// (Leaflet 1.9 makes markers focusable but gives them no key handling).
function keyed(m, label) {
  m.on('add', () => {
    const el = m.getElement()
    if (!el) return
    el.setAttribute('role', 'button')
    el.setAttribute('aria-label', label)
    el.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' || e.key === ' ') {
        e.preventDefault()
        m.fire('click')
      }
    })
  })
  return m
}

function marker(map, group) {
  if (group.length === 1) {
    const p = group[0]
    const m = L.marker([p.lat, p.lon], {
      title: p.name + (p.town ? ', ' + p.town : ''),
      alt: p.name,
      keyboard: true,
      icon: L.divIcon({ className: 'cl-point cl-' + p.kind, iconSize: [POINT, POINT], html: '' }),
    })
    m.on('click', () => { window.location.href = href(p) })
    m.bindTooltip(p.name)
    return keyed(m, p.name + ': open its page')
  }
  const lat = group.reduce((s, p) => s + p.lat, 0) / group.length
  const lon = group.reduce((s, p) => s + p.lon, 0) / group.length
  const size = markerSize(group.length)
  const m = L.marker([lat, lon], {
    title: group.length + ' services here: zoom in',
    alt: group.length + ' services',
    keyboard: true,
    icon: L.divIcon({ className: 'cl-cluster', iconSize: [size, size], html: '<span>' + group.length + '</span>' }),
  })
  m.on('click', () => {
    const b = L.latLngBounds(group.map((p) => [p.lat, p.lon]))
    if (b.getNorthEast().equals(b.getSouthWest()) || map.getZoom() >= map.getMaxZoom()) {
      // services at one point (the same centroid): list them
      const list = group.slice(0, 20).map((p) => '<li><a href="' + escapeHTML(href(p)) + '">' + escapeHTML(p.name) + '</a></li>').join('')
      m.bindPopup('<ul class="cl-popup">' + list + '</ul>' + (group.length > 20 ? '<p>…and ' + (group.length - 20) + ' more in the list.</p>' : '')).openPopup()
    } else {
      map.fitBounds(b.pad(0.2))
    }
  })
  return keyed(m, group.length + ' services here: zoom in')
}

// href is where a point leads: a service's page, or an opportunity in the
// list on the volunteering page.
function href(p) {
  return p.href || '/community/services/' + encodeURIComponent(p.id)
}

// opportunityPoints turns the opportunities API's contents into points.
function opportunityPoints(data) {
  return (data.contents || []).map((o) => ({
    id: String(o.id), name: o.title, lat: o.location.latitude, lon: o.location.longitude,
    kind: 'volunteer', town: o.location.city, href: '#opportunity-' + o.id,
  }))
}

function escapeHTML(s) {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c])
}

export async function mountCommunityMap(el) {
  let data, geo, zones
  try {
    ;[data, geo, zones] = await Promise.all([
      getJSON(el.dataset.points || '/api/community/points?' + (el.dataset.query || '')),
      getJSON('/api/community/boundaries'),
      el.dataset.zones ? getJSON(el.dataset.zones) : null,
    ])
  } catch (err) {
    el.textContent = 'The map could not be loaded (' + err.message + '); the list below has the same services.'
    el.classList.add('map-failed')
    return
  }
  const map = L.map(el, { zoomSnap: 0.5, scrollWheelZoom: false, keyboard: true, maxZoom: 16 })
  map.attributionControl.setPrefix(false)
  map.attributionControl.addAttribution('Boundaries: ONS, OGL v3.0')
  const base = L.geoJSON(geo, { style: { color: '#4a4a4a', weight: 1, fillColor: '#f3f3f3', fillOpacity: 1 }, interactive: false }).addTo(map)
  // clear of the zoom buttons (top left) and the attribution (bottom right),
  // so no marker starts hidden under them
  map.fitBounds(base.getBounds(), { paddingTopLeft: [52, 8], paddingBottomRight: [8, 30] })
  if (zones && zones.features && zones.features.length) {
    L.geoJSON(zones, {
      style: { color: '#7a3e00', weight: 1, fillColor: '#f2b36b', fillOpacity: 0.5 },
      onEachFeature: (f, l) => l.bindTooltip(f.properties.zone_name + ' (' + f.properties.name + ')'),
    }).addTo(map)
    el.dataset.zoneAreas = String(zones.features.length)
  }
  const layer = L.layerGroup().addTo(map)
  const points = data.points || opportunityPoints(data)
  const draw = () => {
    layer.clearLayers()
    const groups = cluster(map, points, map.getZoom())
    for (const g of groups) layer.addLayer(marker(map, g))
    el.dataset.clusters = String(groups.filter((g) => g.length > 1).length)
    el.dataset.markers = String(groups.length)
  }
  map.on('zoomend', draw)
  draw()
  el.dataset.points = String(points.length)
  el.setAttribute('role', 'region')
  el.dataset.ready = 'true'
}

// gapStyle shades an LSOA by its need-beside-support score: darker where
// need is high and support thin; a support gap is outlined; a suppressed
// need is grey (no verdict).
function gapStyle(g) {
  if (!g || g.unknown) return { color: '#6f6f6f', weight: 1, fillColor: '#d0d0d0', fillOpacity: 0.7, dashArray: '3' }
  const shades = ['#fff5eb', '#fdd0a2', '#fd8d3c', '#d94801', '#7f2704']
  const fill = shades[Math.min(shades.length - 1, Math.floor(g.score * shades.length))]
  return { color: g.support_gap ? '#000' : '#4a4a4a', weight: g.support_gap ? 3 : 1, fillColor: fill, fillOpacity: 0.75 }
}

// mountGapsMap draws need beside support for the LSOAs of one district:
// each LSOA shaded by its score (the same figures as the table under the
// map, as the signed-in user may see them) with the theme's services as
// markers.
export async function mountGapsMap(el) {
  const { theme, district, reach } = el.dataset
  const qs = 'theme=' + encodeURIComponent(theme) + '&district=' + encodeURIComponent(district)
  let gaps, geo, points
  try {
    ;[gaps, geo, points] = await Promise.all([
      getJSON('/api/community/gaps/lsoa?' + qs + '&reach_km=' + encodeURIComponent(reach)),
      getJSON('/api/boundaries/lsoa?district=' + encodeURIComponent(district)),
      getJSON('/api/community/points?' + qs),
    ])
  } catch (err) {
    el.textContent = 'The map could not be loaded (' + err.message + '); the table below has the same figures.'
    el.classList.add('map-failed')
    return
  }
  const byCode = new Map((gaps.lsoas || []).map((g) => [g.district, g]))
  const map = L.map(el, { zoomSnap: 0.5, scrollWheelZoom: false, keyboard: true, maxZoom: 16 })
  map.attributionControl.setPrefix(false)
  map.attributionControl.addAttribution('Boundaries: ONS, OGL v3.0')
  const areas = L.geoJSON(geo, {
    style: (f) => gapStyle(byCode.get(f.properties.code)),
    onEachFeature: (f, l) => {
      const g = byCode.get(f.properties.code)
      const words = g ? 'need ' + g.display + ', ' + g.services + ' services within reach' + (g.support_gap ? ': support gap' : '') : 'no figure'
      l.bindTooltip(f.properties.name + ': ' + words)
    },
  }).addTo(map)
  map.fitBounds(areas.getBounds(), { padding: [8, 8] })
  for (const p of points.points || []) {
    L.circleMarker([p.lat, p.lon], { radius: 5, color: '#fff', weight: 1, fillColor: '#08519c', fillOpacity: 1 })
      .bindTooltip(p.name).addTo(map)
  }
  el.dataset.areas = String(areas.getLayers().length)
  el.dataset.gaps = String((gaps.lsoas || []).filter((g) => g.support_gap).length)
  el.setAttribute('role', 'region')
  el.dataset.ready = 'true'
}
