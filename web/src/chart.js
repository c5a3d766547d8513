// The versions chart: rows loaded per version, an ECharts bar chart drawn
// as SVG. The table under it holds the same figures.
import * as echarts from 'echarts/core'
import { BarChart } from 'echarts/charts'
import { GridComponent, TooltipComponent, AriaComponent } from 'echarts/components'
import { SVGRenderer } from 'echarts/renderers'
import { readIsland } from './data.js'

echarts.use([BarChart, GridComponent, TooltipComponent, AriaComponent, SVGRenderer])

export function mountVersionsChart(el) {
  const versions = readIsland('versions-data')
  if (!versions || versions.length === 0) return
  const chart = echarts.init(el, null, { renderer: 'svg' })
  chart.setOption({
    aria: { enabled: true, decal: { show: false } },
    animation: false,
    grid: { left: 64, right: 16, top: 16, bottom: 32 },
    tooltip: { trigger: 'axis' },
    xAxis: { type: 'category', data: versions.map((v) => 'v' + v.number), axisLabel: { color: '#1b1b1b' } },
    yAxis: { type: 'value', name: 'rows', axisLabel: { color: '#1b1b1b' } },
    series: [{ type: 'bar', name: 'Rows loaded', data: versions.map((v) => v.rows), itemStyle: { color: '#1d4f91' } }],
  })
  window.addEventListener('resize', () => chart.resize())
  el.dataset.ready = 'true'
}
