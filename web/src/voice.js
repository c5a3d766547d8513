// The capture form keeps a draft on this device while it is filled in
// and sends through the API with the response's own id, so a dropped
// connection loses nothing and a retry is never counted twice. Without
// this script the form posts as an ordinary form.

const retryMax = 30000

function draftKey(form) { return 'civiclink.voice.draft.' + form.dataset.programme }

function newID() {
  const b = new Uint8Array(8)
  crypto.getRandomValues(b)
  return 'r' + Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('')
}

// read returns the form's fields as the API's response input.
function read(form) {
  const fd = new FormData(form)
  const input = {
    id: fd.get('id'), session: fd.get('session'), district: fd.get('district') || '', age_band: fd.get('age_band') || '',
    consent_store: fd.get('consent_store') === 'yes', consent_quote: fd.get('consent_quote') === 'yes', answers: {},
  }
  for (const [k, v] of fd.entries()) {
    if (k.startsWith('q_') && v !== '') input.answers[k.slice(2)] = v
  }
  return input
}

// fill puts a saved draft back into the form.
function fill(form, input) {
  form.elements.id.value = input.id
  for (const name of ['session', 'district', 'age_band']) if (input[name] !== undefined) form.elements[name].value = input[name]
  form.elements.consent_store.checked = !!input.consent_store
  form.elements.consent_quote.checked = !!input.consent_quote
  for (const [q, v] of Object.entries(input.answers || {})) {
    const el = form.elements['q_' + q]
    if (!el) continue
    if (el instanceof RadioNodeList) { for (const r of el) r.checked = r.value === v } else el.value = v
  }
}

export function mountCapture(form) {
  const status = document.getElementById('capture-status')
  const csrf = document.querySelector('meta[name="csrf-token"]')
  const key = draftKey(form)
  let timer = null
  let delay = 2000
  const say = (text, state) => { status.textContent = text; form.dataset.state = state }
  const save = (pending) => {
    const d = { input: read(form), pending: !!pending }
    localStorage.setItem(key, JSON.stringify(d))
    return d
  }
  const clear = () => {
    localStorage.removeItem(key)
    form.reset()
    form.elements.id.value = newID()
  }
  async function send() {
    clearTimeout(timer)
    const raw = localStorage.getItem(key)
    if (!raw) return
    const d = JSON.parse(raw)
    if (!d.pending) return
    say('Sending…', 'sending')
    let res
    try {
      res = await fetch('/api/voice/programmes/' + encodeURIComponent(form.dataset.programme) + '/responses', {
        method: 'POST', credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf ? csrf.content : '' },
        body: JSON.stringify(d.input),
      })
    } catch (e) {
      return offline()
    }
    if (res.status >= 500) return offline()
    let body = {}
    try { body = await res.json() } catch (e) { /* keep the status */ }
    if (res.ok) {
      clear()
      delay = 2000
      say('Saved response ' + body.id + '. The form is ready for the next resident.', 'saved')
      return
    }
    // Refused (bad answer, no consent…): the draft stays, not pending.
    save(false)
    say('Not saved: ' + ((body.error && body.error.message) || ('the server answered ' + res.status)), 'refused')
  }
  function offline() {
    say('No connection: the response is kept on this device and will be sent when the connection returns.', 'offline')
    timer = setTimeout(send, delay)
    delay = Math.min(delay * 2, retryMax)
  }
  const raw = localStorage.getItem(key)
  if (raw) {
    const d = JSON.parse(raw)
    fill(form, d.input)
    say(d.pending ? 'A response kept on this device is waiting to be sent.' : 'Draft restored from this device.', 'restored')
  }
  form.addEventListener('input', () => save(false))
  form.addEventListener('change', () => save(false))
  form.addEventListener('submit', (ev) => {
    ev.preventDefault()
    save(true)
    send()
  })
  window.addEventListener('online', () => { delay = 2000; send() })
  send()
}
