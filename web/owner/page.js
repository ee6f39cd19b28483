/**
 * What every owner page shares: `el()` builds elements (strings always become text nodes, never
 * HTML), `api()` calls the JSON API with the session cookie and the page's CSRF token, and `session()`
 * reads who is logged in (and that token).
 */
let csrf = null

/** An element with attributes/properties and children; strings are text, null/false children are skipped. */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag)
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue
    if (key.startsWith('on')) node.addEventListener(key.slice(2), value)
    else if (key === 'class') node.className = value
    else if (key in node && key !== 'list') node[key] = value
    else node.setAttribute(key, value === true ? '' : String(value))
  }
  for (const child of children.flat()) if (child !== null && child !== undefined && child !== false) node.append(child instanceof Node ? child : String(child))
  return node
}

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.error?.message ?? `the server answered ${status}`)
    this.status = status
    this.code = body?.error?.code ?? null
  }
}

export async function api(method, path, body, headers = {}) {
  const response = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: {...(body === undefined ? {} : {'content-type': 'application/json'}), ...(csrf ? {'x-rtcc-csrf': csrf} : {}), ...headers},
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await response.text()
  const data = text ? JSON.parse(text) : undefined
  if (!response.ok) throw new ApiError(response.status, data)
  return data
}

export const setCsrf = (token) => void (csrf = token)

/** The logged-in user, or null (then the caller usually sends the browser to the login page). */
export async function session() {
  try {
    const me = await api('GET', '/web/session')
    setCsrf(me.csrf)
    return me
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return null
    throw error
  }
}

/** A form's named fields as strings (trimmed, but never a password); empty ones as null. */
export function fields(form) {
  const out = {}
  for (const [name, value] of new FormData(form)) {
    const text = form.elements[name]?.type === 'password' ? value : value.trim()
    out[name] = text === '' ? null : text
  }
  return out
}

/** Shows `message` (or clears it) in the form's status line. */
export function say(node, message, kind = 'error') {
  node.textContent = message ?? ''
  node.className = message ? kind : ''
}

export const when = (iso) => (iso ? new Date(iso).toLocaleString() : '')
