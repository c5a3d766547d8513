// The job page: follows an upload job's progress over server-sent events.
// The job lives on the server, so reloading the page picks it up again.
import { readIsland, formatNumber } from './data.js'

function render(job) {
  const bar = document.getElementById('job-bar')
  const status = document.getElementById('job-status')
  const errors = document.getElementById('job-errors')
  const next = document.getElementById('job-next')
  bar.value = job.state === 'done' ? 100 : job.percent || 0
  bar.textContent = bar.value + '%'
  if (job.state === 'done') {
    status.textContent =
      'Done: version ' + job.version + ' with ' + formatNumber(job.rows || 0) + ' rows' +
      (job.duplicate ? ' (the same file as an earlier version: nothing new was loaded).' : '.')
    next.hidden = false
  } else if (job.state === 'failed') {
    status.textContent = 'Failed: ' + job.error
  } else {
    status.textContent = job.state + ': ' + (job.percent || 0) + '% of ' + formatNumber(job.total || 0) + ' bytes checked.'
  }
  errors.replaceChildren()
  for (const e of job.row_errors || []) {
    const li = document.createElement('li')
    li.textContent = 'line ' + e.line + (e.column ? ', column ' + e.column : '') + ': ' + e.message
    errors.append(li)
  }
  document.getElementById('job').dataset.state = job.state
}

export function mountJob(el) {
  const job = readIsland('job-data')
  if (!job) return
  render(job)
  if (job.state === 'done' || job.state === 'failed') return
  const es = new EventSource('/api/jobs/' + encodeURIComponent(el.dataset.job) + '/events')
  es.addEventListener('progress', (e) => render(JSON.parse(e.data)))
  es.addEventListener('end', () => es.close())
  es.addEventListener('error', () => {
    // The browser reconnects by itself; say so rather than fail silently.
    const status = document.getElementById('job-status')
    if (es.readyState === EventSource.CLOSED) {
      explainLost(el.dataset.job, status)
    } else if (el.dataset.state !== 'done' && el.dataset.state !== 'failed') {
      status.textContent = 'Connection lost; reconnecting…'
    }
  })
}

// explainLost says why a job's event stream was refused (the browser does
// not reconnect then): typically the server restarted and no longer knows
// the job. The API's error message says so and what to do.
export function explainLost(id, status) {
  const fallback = 'This job can no longer be followed: reload the page.'
  fetch('/api/jobs/' + encodeURIComponent(id), { credentials: 'same-origin' })
    .then((r) => r.json())
    .then((b) => { status.textContent = (b.error && b.error.message) || fallback })
    .catch(() => { status.textContent = fallback })
}
