// Wide tables scroll inside their own region rather than widening the
// page: every data table not already in one is wrapped in a .scroll box,
// which becomes a labelled, focusable region (so it can be scrolled from
// the keyboard) whenever the table is wider than the box. Tables the
// server already wraps (role="region") are left alone.
export function fitTables(root = document) {
  const boxes = []
  for (const table of root.querySelectorAll('table.data')) {
    let box = table.parentElement
    if (!box.classList.contains('scroll')) {
      box = document.createElement('div')
      box.className = 'scroll'
      table.replaceWith(box)
      box.append(table)
    }
    if (box.getAttribute('role') === 'region') continue
    const caption = table.querySelector('caption')
    box.dataset.label = caption ? caption.textContent.trim().replace(/\s+/g, ' ').slice(0, 120) : 'Table'
    boxes.push(box)
  }
  const mark = () => {
    for (const box of boxes) {
      const wide = box.scrollWidth > box.clientWidth + 1
      if (wide && !box.hasAttribute('tabindex')) {
        box.setAttribute('tabindex', '0')
        box.setAttribute('role', 'region')
        box.setAttribute('aria-label', box.dataset.label + ' (scrolls sideways)')
      } else if (!wide && box.hasAttribute('tabindex')) {
        box.removeAttribute('tabindex')
        box.removeAttribute('role')
        box.removeAttribute('aria-label')
      }
    }
  }
  mark()
  if (boxes.length > 0 && 'ResizeObserver' in window) new ResizeObserver(mark).observe(document.body)
}
