// The trend chart of a theme page: an indicator per period as a rate per
// 1,000 residents with its 95% interval (a shaded band), the county first
// and, on request, one district beside it. ECharts draws it as SVG. A
// suppressed count ([c]) is a gap in the line, never a zero; the tables
// under the chart hold the same figures for screen readers and keyboards.
import * as echarts from 'echarts/core'
import { LineChart } from 'echarts/charts'
import { GridComponent, TooltipComponent, LegendComponent, AriaComponent } from 'echarts/components'
import { SVGRenderer } from 'echarts/renderers'
import { readIsland } from './data.js'
import './themes.css'

echarts.use([LineChart, GridComponent, TooltipComponent, LegendComponent, AriaComponent, SVGRenderer])

const COUNTY = '#1d4f91'
const DISTRICT = '#b35c00'

// values returns the plotted value of each period: the rate when there is
// one, else the published count, else null (suppressed or absent).
function values(series, periods, useRates) {
  const byPeriod = new Map(series.points.map((p) => [p.period, p]))
  return periods.map((period) => {
    const p = byPeriod.get(period)
    if (!p || p.count === '[c]') return null
    if (useRates) return p.rate ? round(p.rate.value) : null
    const n = Number(p.count)
    return Number.isFinite(n) ? n : null
  })
}

function round(v) {
  return Math.round(v * 1000) / 1000
}

function band(series, periods) {
  const byPeriod = new Map(series.points.map((p) => [p.period, p]))
  const lower = []
  const width = []
  for (const period of periods) {
    const p = byPeriod.get(period)
    if (p && p.rate) {
      lower.push(round(p.rate.lower))
      width.push(round(p.rate.upper - p.rate.lower))
    } else {
      lower.push(null)
      width.push(null)
    }
  }
  return { lower, width }
}

function options(trend, district) {
  const periods = trend.periods
  const county = trend.series[0]
  const useRates = county.points.some((p) => p.rate)
  const ci = band(county, periods)
  const series = [
    { name: '95% interval (lower)', type: 'line', stack: 'ci', data: ci.lower, lineStyle: { opacity: 0 }, symbol: 'none', silent: true, tooltip: { show: false } },
    { name: '95% interval', type: 'line', stack: 'ci', data: ci.width, lineStyle: { opacity: 0 }, symbol: 'none', itemStyle: { color: COUNTY, opacity: 0.3 }, areaStyle: { color: COUNTY, opacity: 0.15 }, silent: true },
    { name: county.name, type: 'line', data: values(county, periods, useRates), connectNulls: false, itemStyle: { color: COUNTY }, lineStyle: { width: 3 }, symbolSize: 6 },
  ]
  if (district) {
    series.push({ name: district.name, type: 'line', data: values(district, periods, useRates), connectNulls: false, itemStyle: { color: DISTRICT }, lineStyle: { width: 2, type: 'dashed' }, symbol: 'triangle', symbolSize: 7 })
  }
  const pointsOf = new Map(trend.series.map((s) => [s.name, new Map(s.points.map((p) => [p.period, p]))]))
  return {
    aria: { enabled: true, decal: { show: false } },
    animation: false,
    grid: { left: 64, right: 16, top: 40, bottom: 48 },
    legend: { top: 0, data: series.filter((s) => !s.name.endsWith('(lower)')).map((s) => s.name) },
    tooltip: {
      trigger: 'axis',
      formatter: (items) => {
        const period = items.length ? items[0].axisValue : ''
        const lines = [period]
        for (const it of items) {
          const p = pointsOf.get(it.seriesName)?.get(period)
          if (!p) continue
          const rate = p.rate ? p.rate.value.toFixed(2) + ' (' + p.rate.lower.toFixed(2) + '–' + p.rate.upper.toFixed(2) + ')' : ''
          lines.push(it.seriesName + ': ' + p.count + (rate ? ', rate ' + rate : ''))
        }
        return lines.join('<br>')
      },
    },
    xAxis: { type: 'category', data: periods, axisLabel: { color: '#1b1b1b' } },
    yAxis: { type: 'value', name: useRates ? 'per 1,000 residents' : 'count', axisLabel: { color: '#1b1b1b' }, min: 0 },
    series,
  }
}

export function mountTrend(el) {
  const trend = readIsland('trend-data')
  if (!trend || !trend.series || trend.series.length === 0) return
  const chart = echarts.init(el, null, { renderer: 'svg' })
  const draw = (code) => {
    const district = code ? trend.series.find((s) => s.code === code) : null
    chart.setOption(options(trend, district), { notMerge: true })
    el.dataset.district = code || ''
  }
  draw('')
  const select = document.getElementById('trend-district')
  if (select) select.addEventListener('change', () => draw(select.value))
  window.addEventListener('resize', () => chart.resize())
  el.dataset.ready = 'true'
}

function start() {
  const el = document.getElementById('trend-chart')
  if (el) mountTrend(el)
}

// Mounts itself: main.js imports this module once.
if (document.readyState === 'loading') {
  document.addEventListener('DOMContentLoaded', start)
} else {
  start()
}
