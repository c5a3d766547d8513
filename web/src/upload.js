// The upload form: sends the file with XMLHttpRequest so the bar can show
// bytes sent, then goes to the job's page, which follows the load. Without
// script the form posts normally and the server redirects to the same page.
import { csrfToken } from './data.js'

export function mountUpload(form) {
  const box = document.getElementById('upload-progress')
  const bar = document.getElementById('upload-bar')
  const status = document.getElementById('upload-status')
  form.addEventListener('submit', (ev) => {
    ev.preventDefault()
    const data = new FormData(form)
    const xhr = new XMLHttpRequest()
    xhr.open('POST', form.dataset.api)
    xhr.setRequestHeader('X-CSRF-Token', csrfToken())
    xhr.setRequestHeader('Accept', 'application/json')
    box.hidden = false
    bar.value = 0
    status.textContent = 'Sending…'
    form.querySelector('button[type=submit]').disabled = true
    xhr.upload.addEventListener('progress', (e) => {
      if (e.lengthComputable) {
        bar.value = Math.round((100 * e.loaded) / e.total)
        status.textContent = 'Sent ' + bar.value + '%'
      }
    })
    xhr.addEventListener('load', () => {
      let body = null
      try {
        body = JSON.parse(xhr.responseText)
      } catch {
        body = null
      }
      if (xhr.status === 202 && body && body.id) {
        status.textContent = 'Sent. Checking and loading…'
        window.location.assign('/jobs/' + encodeURIComponent(body.id))
        return
      }
      const msg = body && body.error ? body.error.message : 'the server answered ' + xhr.status
      status.textContent = 'Upload failed: ' + msg
      form.querySelector('button[type=submit]').disabled = false
    })
    xhr.addEventListener('error', () => {
      status.textContent = 'Upload failed: the connection was lost. Try again.'
      form.querySelector('button[type=submit]').disabled = false
    })
    xhr.send(data)
  })
}
