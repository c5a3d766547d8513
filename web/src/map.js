// The district choropleth: Leaflet over plain GeoJSON polygons, no tiles
// (nothing is fetched from outside the server). Suppressed districts are
// hatched grey and labelled [c]; the table beside the map holds the same
// figures for screen readers and keyboard users.
import L from 'leaflet'
import 'leaflet/dist/leaflet.css'
import { readIsland, formatNumber } from './data.js'

// Five-class sequential blues (ColorBrewer), light to dark.
const PALETTE = ['#eff3ff', '#bdd7e7', '#6baed6', '#3182bd', '#08519c']
const SUPPRESSED = '#d9d9d9'

// breaks returns four class boundaries at the quantiles of values.
function breaks(values) {
  const v = [...values].sort((a, b) => a - b)
  if (v.length === 0) return []
  return [0.2, 0.4, 0.6, 0.8].map((q) => v[Math.min(v.length - 1, Math.floor(q * v.length))])
}

function classOf(value, bounds) {
  let i = 0
  while (i < bounds.length && value > bounds[i]) i++
  return i
}

export async function mountMap(el) {
  const table = readIsland('district-data')
  if (!table) return
  const byCode = new Map(table.values.map((v) => [v.code, v]))
  const shown = table.values.filter((v) => !v.suppressed && v.value !== null).map((v) => v.value)
  const bounds = breaks(shown)

  let geo
  try {
    const res = await fetch('/api/boundaries/districts', { credentials: 'same-origin' })
    if (!res.ok) throw new Error('HTTP ' + res.status)
    geo = await res.json()
  } catch (err) {
    el.textContent = 'The map could not be loaded (' + err.message + '); the table has the same figures.'
    el.classList.add('map-failed')
    return
  }

  const map = L.map(el, {
    zoomSnap: 0.25,
    attributionControl: true,
    scrollWheelZoom: false,
    keyboard: true,
  })
  map.attributionControl.setPrefix(false)
  map.attributionControl.addAttribution('Boundaries: ONS, OGL v3.0')

  const layer = L.geoJSON(geo, {
    style: (f) => {
      const v = byCode.get(f.properties.code)
      const suppressed = !v || v.suppressed || v.value === null
      return {
        color: '#1b1b1b',
        weight: 1,
        fillOpacity: 0.9,
        fillColor: suppressed ? SUPPRESSED : PALETTE[classOf(v.value, bounds)],
        dashArray: suppressed ? '4 3' : null,
        className: 'district district-' + f.properties.code + (suppressed ? ' district-suppressed' : ''),
      }
    },
    onEachFeature: (f, l) => {
      const v = byCode.get(f.properties.code)
      const text = f.properties.name + ': ' + (v ? v.display : 'no data')
      l.bindTooltip(text, { sticky: true })
      l.on('click', () => highlightRow(f.properties.code))
    },
  }).addTo(map)
  map.fitBounds(layer.getBounds(), { padding: [8, 8] })
  el.dataset.ready = 'true'
  drawLegend(bounds, shown.length > 0)
}

function highlightRow(code) {
  document.querySelectorAll('tr.highlight').forEach((r) => r.classList.remove('highlight'))
  const row = document.querySelector('tr[data-code="' + code + '"]')
  if (row) {
    row.classList.add('highlight')
    row.scrollIntoView({ block: 'nearest' })
  }
}

function drawLegend(bounds, any) {
  const el = document.getElementById('legend')
  if (!el) return
  el.replaceChildren()
  const list = document.createElement('ul')
  list.className = 'legend-list'
  const item = (color, label, dashed) => {
    const li = document.createElement('li')
    const sw = document.createElement('span')
    sw.className = 'swatch' + (dashed ? ' swatch-suppressed' : '')
    sw.style.background = color
    li.append(sw, document.createTextNode(label))
    list.append(li)
  }
  if (any) {
    let lo = 0
    PALETTE.forEach((c, i) => {
      const hi = bounds[i]
      item(c, hi === undefined ? 'over ' + formatNumber(lo) : formatNumber(lo) + '–' + formatNumber(hi))
      if (hi !== undefined) lo = hi
    })
  }
  item(SUPPRESSED, '[c] suppressed', true)
  el.append(list)
}
