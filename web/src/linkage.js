// The linkage pages: a run's live progress (server-sent events; the job
// lives on the server, so a reload picks it up again), the match-weight
// histogram, and clerical decisions posted without leaving the page.
import * as echarts from 'echarts/core'
import { BarChart } from 'echarts/charts'
import { GridComponent, TooltipComponent, LegendComponent, AriaComponent } from 'echarts/components'
import { SVGRenderer } from 'echarts/renderers'
import { readIsland, csrfToken, formatNumber } from './data.js'
import { explainLost } from './job.js'

echarts.use([BarChart, GridComponent, TooltipComponent, LegendComponent, AriaComponent, SVGRenderer])

function renderJob(el, job) {
  const bar = document.getElementById('job-bar')
  const status = document.getElementById('job-status')
  const next = document.getElementById('job-next')
  bar.value = job.state === 'done' ? 100 : job.percent || 0
  bar.textContent = bar.value + '%'
  if (job.state === 'done') {
    status.textContent = 'Done: run ' + job.run + ' linked ' + formatNumber(job.total || 0) + ' records.'
    document.getElementById('job-run-link').href = '/linkage/runs/' + job.run
    next.hidden = false
  } else if (job.state === 'failed') {
    status.textContent = 'Failed: ' + job.error
  } else {
    const of = job.total ? ' (' + formatNumber(job.done) + ' of ' + formatNumber(job.total) + ')' : ''
    status.textContent = job.state + (job.stage ? ', stage ' + job.stage : '') + ': ' + (job.percent || 0) + '%' + of + '.'
  }
  el.dataset.state = job.state
}

// mountLinkageJob follows a linkage job until it ends.
export function mountLinkageJob(el) {
  const job = readIsland('linkage-job-data')
  if (!job) return
  renderJob(el, job)
  if (job.state === 'done' || job.state === 'failed') return
  const es = new EventSource('/api/jobs/' + encodeURIComponent(el.dataset.job) + '/events')
  es.addEventListener('progress', (e) => renderJob(el, JSON.parse(e.data)))
  es.addEventListener('end', () => es.close())
  es.addEventListener('error', () => {
    if (es.readyState === EventSource.CLOSED) {
      explainLost(el.dataset.job, document.getElementById('job-status')) // refused: e.g. lost on a restart
    } else if (el.dataset.state !== 'done' && el.dataset.state !== 'failed') {
      document.getElementById('job-status').textContent = 'Connection lost; reconnecting…'
    }
  })
}

// mountWeightChart draws the match-weight histogram on a log scale: pairs
// not matched and matched pairs side by side in each bin. The table under
// it holds the same figures.
export function mountWeightChart(el) {
  const q = readIsland('quality-data')
  if (!q || !q.histogram || q.histogram.length === 0) return
  const bins = q.histogram
  const chart = echarts.init(el, null, { renderer: 'svg' })
  chart.setOption({
    aria: { enabled: true, decal: { show: true } },
    animation: false,
    grid: { left: 64, right: 16, top: 36, bottom: 48 },
    legend: { top: 0, textStyle: { color: '#1b1b1b' } },
    tooltip: { trigger: 'axis' },
    xAxis: {
      type: 'category', name: 'match weight', nameLocation: 'middle', nameGap: 30,
      data: bins.map((b) => b.from.toFixed(0)), axisLabel: { color: '#1b1b1b' },
    },
    yAxis: { type: 'log', name: 'pairs', min: 1, axisLabel: { color: '#1b1b1b' } },
    series: [
      { type: 'bar', name: 'Not matched', data: bins.map((b) => b.pairs - b.matched || null), itemStyle: { color: '#8a98a5' } },
      { type: 'bar', name: 'Matched', data: bins.map((b) => b.matched || null), itemStyle: { color: '#1d4f91' } },
    ],
  })
  window.addEventListener('resize', () => chart.resize())
  el.dataset.ready = 'true'
}

// mountReview posts decisions with the session's CSRF token and shows the
// decision in place; without script the forms post and come back.
export function mountReview(list) {
  list.addEventListener('submit', async (e) => {
    const form = e.target
    if (!form.classList.contains('decide')) return
    e.preventDefault()
    const li = form.closest('li')
    const now = form.querySelector('.decision-now')
    const body = { decision: form.querySelector('select[name=decision]').value, note: form.querySelector('input[name=note]').value }
    const res = await fetch(form.action.replace('/linkage/', '/api/linkage/'), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrfToken() },
      body: JSON.stringify(body),
    })
    const out = await res.json()
    now.setAttribute('role', 'status')
    if (!res.ok) {
      now.textContent = 'Not recorded: ' + out.error.message
      return
    }
    now.innerHTML = ''
    const note = document.createElement('span')
    note.className = 'decision'
    note.textContent = 'Now: ' + out.decision.decision + ' by ' + out.decision.decided_by
    now.append(note)
    li.dataset.decision = out.decision.decision
  })
}
