// The district choropleth: Leaflet over plain GeoJSON polygons, no tiles
// (nothing is fetched from outside the server). Suppressed districts are
// hatched grey and labelled [c]; the table beside the map holds the same
// figures for screen readers and keyboard users. Clicking a district (or
// Enter on a focused one, or the "Show areas in district" select) drills
// down to its LSOAs: their boundaries and counts, shaded the same way, with
// a table of them below the map and a Back to districts button.
import L from 'leaflet'
import 'leaflet/dist/leaflet.css'
import { readIsland, formatNumber } from './data.js'

// Five-class sequential blues (ColorBrewer), light to dark.
const PALETTE = ['#eff3ff', '#bdd7e7', '#6baed6', '#3182bd', '#08519c']
const SUPPRESSED = '#d9d9d9'

// breaks returns up to four class boundaries at the quantiles of values
// (quintiles), each rounded to two significant figures so the legend
// reads 490–620 rather than 491.705–623.037, without repeats and below the
// largest value, so that every class drawn has an area in it (LSOA counts
// are often mostly zeros).
function breaks(values) {
  const v = [...values].sort((a, b) => a - b)
  if (v.length === 0) return []
  const top = v[v.length - 1]
  const qs = [0.2, 0.4, 0.6, 0.8].map((q) => round2(v[Math.min(v.length - 1, Math.floor(q * v.length))]))
  return [...new Set(qs)].filter((b) => b < top)
}

// round2 rounds x to two significant figures.
function round2(x) {
  return x === 0 || !isFinite(x) ? x : Number(x.toPrecision(2))
}

// upTo is the legend's top: the largest value rounded up to three
// significant figures, so it is readable and never below the largest.
function upTo(x) {
  if (x === 0 || !isFinite(x)) return x
  const step = Math.pow(10, Math.floor(Math.log10(Math.abs(x))) - 2)
  return Number((Math.ceil(x / step) * step).toPrecision(3))
}

function classOf(value, bounds) {
  let i = 0
  while (i < bounds.length && value > bounds[i]) i++
  return i
}

// colorOf spreads the classes in use over the palette, light to dark.
function colorOf(i, bounds) {
  const k = bounds.length + 1
  return k === 1 ? PALETTE[0] : PALETTE[Math.round((i * (PALETTE.length - 1)) / (k - 1))]
}

export async function mountMap(el) {
  const table = readIsland('district-data')
  if (!table) return
  const byCode = new Map(table.values.map((v) => [v.code, v]))
  const shown = table.values.filter((v) => !v.suppressed && v.value !== null).map((v) => v.value)
  const bounds = breaks(shown)

  let geo
  try {
    geo = await getJSON('/api/boundaries/districts')
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

  const drill = drillDown(el, map, table)
  const layer = L.geoJSON(geo, {
    style: (f) => areaStyle('district', f.properties.code, byCode.get(f.properties.code), bounds),
    onEachFeature: (f, l) => {
      const v = byCode.get(f.properties.code)
      const text = f.properties.name + ': ' + (v ? v.display : 'no data')
      l.bindTooltip(text, { sticky: true })
      l.on('click', () => {
        highlightRow(f.properties.code)
        drill.open(f.properties.code)
      })
      l.on('add', () => focusable(l, 'Show the LSOAs of ' + f.properties.name, () => drill.open(f.properties.code)))
    },
  }).addTo(map)
  map.fitBounds(layer.getBounds(), { padding: [8, 8] })
  const anySuppressed = table.values.some((v) => v.suppressed)
  drill.districts(layer, () => drawLegend(bounds, shown, anySuppressed))
  el.setAttribute('role', 'region')
  el.dataset.level = 'district'
  el.dataset.ready = 'true'
  drawLegend(bounds, shown, anySuppressed)
}

// areaStyle shades one area: a palette class, or hatched grey when its
// figure is suppressed or missing.
function areaStyle(kind, code, v, bounds) {
  const suppressed = !v || v.suppressed || v.value === null
  return {
    color: '#1b1b1b',
    weight: kind === 'district' ? 1 : 0.6,
    fillOpacity: 0.9,
    fillColor: suppressed ? SUPPRESSED : colorOf(classOf(v.value, bounds), bounds),
    dashArray: suppressed ? '4 3' : null,
    className: kind + ' ' + kind + '-' + code + (suppressed ? ' ' + kind + '-suppressed' : ''),
  }
}

// focusable lets keyboard users reach an area's path and open it with Enter.
function focusable(l, label, open) {
  const p = l.getElement && l.getElement()
  if (!p || p.getAttribute('tabindex') === '0') return
  p.setAttribute('tabindex', '0')
  p.setAttribute('role', 'button')
  p.setAttribute('aria-label', label)
  p.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault()
      open()
    }
  })
}

async function getJSON(url) {
  const res = await fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/json' } })
  let body = null
  try {
    body = await res.json()
  } catch {
    body = null
  }
  if (!res.ok) throw new Error((body && body.error && body.error.message) || 'HTTP ' + res.status)
  return body
}

// drillDown adds the LSOA drill-down beside a district map: a labelled
// select of the districts, a Back to districts button, a status line and,
// below the map, a table of the chosen district's LSOAs.
function drillDown(el, map, table) {
  const figure = el.closest('figure') || el.parentElement
  const controls = document.createElement('div')
  controls.className = 'drill inline'
  const label = document.createElement('label')
  label.htmlFor = 'area-district'
  label.textContent = 'Show areas in district'
  const select = document.createElement('select')
  select.id = 'area-district'
  select.append(new Option('All districts', ''))
  for (const v of table.values) select.append(new Option(v.name, v.code))
  const back = document.createElement('button')
  back.type = 'button'
  back.id = 'area-back'
  back.textContent = 'Back to districts'
  back.hidden = true
  const status = document.createElement('p')
  status.id = 'area-status'
  status.className = 'muted small'
  status.setAttribute('role', 'status')
  controls.append(label, select, back)
  figure.insertBefore(controls, el)
  const panel = document.createElement('div')
  panel.id = 'area-panel'
  figure.append(status, panel)

  let districtLayer = null
  let redrawDistrictLegend = null
  let lsoaLayer = null
  let seq = 0

  const showDistricts = () => {
    seq++
    if (lsoaLayer) map.removeLayer(lsoaLayer)
    lsoaLayer = null
    if (districtLayer && !map.hasLayer(districtLayer)) districtLayer.addTo(map)
    if (districtLayer) map.fitBounds(districtLayer.getBounds(), { padding: [8, 8] })
    panel.replaceChildren()
    status.textContent = ''
    back.hidden = true
    select.value = ''
    el.dataset.level = 'district'
    delete el.dataset.district
    if (redrawDistrictLegend) redrawDistrictLegend()
  }

  const open = async (code) => {
    if (!code) return showDistricts()
    const mine = ++seq
    const name = (table.values.find((v) => v.code === code) || { name: code }).name
    select.value = code
    status.textContent = 'Loading the LSOAs of ' + name + '…'
    el.dataset.level = 'loading'
    const q = new URLSearchParams({ district: code, level: 'lsoa' })
    if (table.purpose) q.set('purpose', table.purpose)
    let areas, geo
    try {
      ;[areas, geo] = await Promise.all([
        getJSON('/api/indicators/' + encodeURIComponent(table.indicator.id) + '/areas?' + q),
        getJSON('/api/boundaries/lsoa?' + new URLSearchParams({ district: code })),
      ])
    } catch (err) {
      if (mine !== seq) return
      el.dataset.level = lsoaLayer ? 'lsoa' : 'district'
      select.value = el.dataset.district || ''
      status.textContent = 'No LSOA figures for ' + name + ': ' + err.message
      return
    }
    if (mine !== seq) return
    const byCode = new Map(areas.values.map((v) => [v.code, v]))
    const shown = areas.values.filter((v) => !v.suppressed && v.value !== null).map((v) => v.value)
    const bounds = breaks(shown)
    if (lsoaLayer) map.removeLayer(lsoaLayer)
    if (districtLayer) map.removeLayer(districtLayer)
    lsoaLayer = L.geoJSON(geo, {
      style: (f) => areaStyle('lsoa', f.properties.code, byCode.get(f.properties.code), bounds),
      onEachFeature: (f, l) => {
        const v = byCode.get(f.properties.code)
        l.bindTooltip(f.properties.name + ': ' + (v ? v.display : 'no data'), { sticky: true })
        l.on('click', () => highlightRow(f.properties.code))
      },
    }).addTo(map)
    map.fitBounds(lsoaLayer.getBounds(), { padding: [8, 8] })
    drawLegend(bounds, shown, areas.values.some((v) => v.suppressed))
    panel.replaceChildren(areaTable(areas))
    status.textContent = 'Showing the ' + areas.values.length + ' LSOAs of ' + name + '.'
    back.hidden = false
    el.dataset.district = code
    el.dataset.level = 'lsoa'
  }

  select.addEventListener('change', () => open(select.value))
  back.addEventListener('click', () => {
    showDistricts()
    select.focus()
  })
  return {
    open,
    districts(layer, legend) {
      districtLayer = layer
      redrawDistrictLegend = legend
    },
  }
}

// areaTable is the table alternative of the LSOA layer.
function areaTable(areas) {
  const t = document.createElement('table')
  t.className = 'data'
  t.id = 'area-data'
  const cap = t.createCaption()
  cap.textContent = areas.indicator.name + ': count by LSOA in ' + areas.district_name + ', for purpose ' + areas.purpose
  const head = t.createTHead().insertRow()
  for (const [text, cls] of [['LSOA', ''], ['Code', ''], ['Count', 'num']]) {
    const th = document.createElement('th')
    th.scope = 'col'
    th.textContent = text
    if (cls) th.className = cls
    head.append(th)
  }
  const body = t.createTBody()
  for (const v of areas.values) {
    const tr = body.insertRow()
    tr.dataset.code = v.code
    const th = document.createElement('th')
    th.scope = 'row'
    th.textContent = v.name
    tr.append(th)
    tr.insertCell().textContent = v.code
    const td = tr.insertCell()
    td.className = 'num' + (v.suppressed ? ' supp' : '')
    td.textContent = v.display
  }
  const scroll = document.createElement('div')
  scroll.className = 'area-scroll'
  scroll.tabIndex = 0 // so that keyboard users can scroll a long table
  scroll.setAttribute('role', 'region')
  scroll.setAttribute('aria-label', 'LSOAs of ' + areas.district_name)
  scroll.append(t)
  const wrap = document.createElement('div')
  wrap.append(scroll)
  for (const n of areas.notes || []) {
    const p = document.createElement('p')
    p.className = 'muted small'
    p.textContent = n
    wrap.append(p)
  }
  return wrap
}

function highlightRow(code) {
  document.querySelectorAll('tr.highlight').forEach((r) => r.classList.remove('highlight'))
  const row = document.querySelector('tr[data-code="' + code + '"]')
  if (row) {
    row.classList.add('highlight')
    row.scrollIntoView({ block: 'nearest' })
  }
}

// drawLegend lists the classes drawn, the last as "over X, up to the
// largest", and the [c] swatch only when something is suppressed.
function drawLegend(bounds, values, anySuppressed) {
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
  if (values.length > 0) {
    const range = (lo, hi) => (lo === hi ? formatNumber(lo) : formatNumber(lo) + '–' + formatNumber(hi))
    let lo = Math.min(0, ...values)
    for (let i = 0; i <= bounds.length; i++) {
      const c = colorOf(i, bounds)
      if (i < bounds.length) item(c, range(lo, bounds[i]))
      else item(c, bounds.length === 0 ? range(lo, upTo(Math.max(...values))) : 'over ' + formatNumber(lo) + ', up to ' + formatNumber(upTo(Math.max(...values))))
      lo = bounds[i]
    }
  }
  if (anySuppressed) item(SUPPRESSED, '[c] suppressed', true)
  el.append(list)
}
