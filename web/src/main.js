// civiclink's browser code. Pages are rendered on the server and work
// without it; this adds the district map, the versions chart and live
// upload progress where the page has a place for them.
import './style.css'
import { mountMap } from './map.js'
import { mountVersionsChart } from './chart.js'
import { mountUpload } from './upload.js'
import { mountJob } from './job.js'
import './trend.js'
import { mountLinkageJob, mountWeightChart, mountReview } from './linkage.js'
import { mountCommunityMap, mountGapsMap } from './community.js'
import { mountCapture } from './voice.js'
import { fitTables } from './tables.js'

function start() {
  fitTables()
  const map = document.getElementById('map')
  if (map) mountMap(map)
  const chart = document.getElementById('versions-chart')
  if (chart) mountVersionsChart(chart)
  const form = document.getElementById('upload-form')
  if (form) mountUpload(form)
  const job = document.getElementById('job')
  if (job) mountJob(job)
  for (const [id, mount] of [['community-map', mountCommunityMap], ['volunteer-map', mountCommunityMap], ['gaps-map', mountGapsMap], ['linkage-job', mountLinkageJob], ['weight-chart', mountWeightChart], ['review-pairs', mountReview], ['capture-form', mountCapture]]) { const el = document.getElementById(id); if (el) mount(el) }
}

if (document.readyState === 'loading') {
  document.addEventListener('DOMContentLoaded', start)
} else {
  start()
}
