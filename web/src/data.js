// readIsland parses a JSON data island the server put in the page.
export function readIsland(id) {
  const el = document.getElementById(id)
  if (!el) return null
  try {
    return JSON.parse(el.textContent)
  } catch {
    return null
  }
}

// csrfToken is the session's CSRF token from the page's meta tag.
export function csrfToken() {
  const m = document.querySelector('meta[name="csrf-token"]')
  return m ? m.getAttribute('content') : ''
}

// formatNumber writes n with thousands separators.
export function formatNumber(n) {
  return new Intl.NumberFormat('en-GB').format(n)
}
