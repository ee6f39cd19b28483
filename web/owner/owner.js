// The owner's page: cameras (add, edit, delete), footage requests, the access report, phones, profile.
import {api, el, fields, say, session, when} from './page.js'

const status = document.getElementById('status')
const $ = (id) => document.getElementById(id)

function table(headers, rows) {
  if (rows.length === 0) return el('p', {class: 'muted'}, 'None yet.')
  return el('table', {class: 'list'}, el('thead', {}, el('tr', {}, headers.map((h) => el('th', {}, h)))), el('tbody', {}, rows))
}

const numberOrNull = (text, field) => {
  if (text === null) return null
  const value = Number(text)
  if (!Number.isFinite(value)) throw new Error(`${field}: a number, please`)
  return value
}

// ── Cameras ──────────────────────────────────────────────────────────────────────────────────────

const cameraForm = $('camera-form')
let cameras = []

function editCamera(camera) {
  cameraForm.elements.id.value = camera.id
  for (const name of ['name', 'address', 'latitude', 'longitude', 'locationType', 'viewDirection', 'retentionDays']) cameraForm.elements[name].value = camera[name] ?? ''
  cameraForm.elements.records.checked = camera.records
  cameraForm.elements.liveCapable.checked = camera.liveCapable
  $('camera-form-title').textContent = `Edit ${camera.name}`
  $('camera-save').textContent = 'Save camera'
  cameraForm.scrollIntoView()
}

async function deleteCamera(camera, button) {
  if (button.dataset.armed !== 'yes') {
    button.dataset.armed = 'yes'
    button.textContent = 'Really delete?'
    return
  }
  await api('DELETE', `/v1/cameras/${camera.id}`)
  say(status, `Deleted ${camera.name}.`, 'ok')
  await loadCameras()
}

async function loadCameras() {
  cameras = await api('GET', '/v1/cameras')
  const rows = cameras.map((c) => {
    const remove = el('button', {type: 'button', class: 'danger', onclick: (e) => deleteCamera(c, e.currentTarget).catch((error) => say(status, error.message))}, 'Delete')
    return el(
      'tr',
      {'data-camera': c.id},
      el('td', {}, c.name),
      el('td', {}, c.address ?? `${c.latitude}, ${c.longitude}`),
      el('td', {}, c.locationType),
      el('td', {}, c.viewDirection === null ? '' : `${c.viewDirection}°`),
      el('td', {}, c.retentionDays === null ? '' : `${c.retentionDays} days`),
      el('td', {}, el('button', {type: 'button', class: 'secondary', onclick: () => editCamera(c)}, 'Edit'), remove),
    )
  })
  $('camera-list').replaceChildren(table(['Name', 'Where', 'Type', 'Looks', 'Keeps', ''], rows))
}

function cameraFields() {
  const f = fields(cameraForm)
  return {
    name: f.name,
    address: f.address,
    latitude: numberOrNull(f.latitude, 'Latitude'),
    longitude: numberOrNull(f.longitude, 'Longitude'),
    locationType: f.locationType,
    viewDirection: numberOrNull(f.viewDirection, 'View direction'),
    retentionDays: numberOrNull(f.retentionDays, 'Days kept'),
    records: cameraForm.elements.records.checked,
    liveCapable: cameraForm.elements.liveCapable.checked,
  }
}

cameraForm.addEventListener('submit', async (event) => {
  event.preventDefault()
  const id = cameraForm.elements.id.value
  try {
    const body = cameraFields()
    if (id) await api('PATCH', `/v1/cameras/${id}`, body)
    else await api('POST', '/v1/cameras', {...body, make: null, model: null, viewDescription: null, fieldOfView: null, tags: []})
    say($('camera-status'), id ? `Saved ${body.name}.` : `Added ${body.name}.`, 'ok')
    cameraForm.reset()
    await loadCameras()
  } catch (error) {
    say($('camera-status'), error.message)
  }
})

cameraForm.addEventListener('reset', () => {
  cameraForm.elements.id.value = ''
  $('camera-form-title').textContent = 'Add a camera'
  $('camera-save').textContent = 'Add camera'
})

$('locate').addEventListener('click', () => {
  if (!navigator.geolocation) return say($('camera-status'), 'This browser cannot tell where you are: type the coordinates.')
  say($('camera-status'), 'Finding your location…', 'muted')
  navigator.geolocation.getCurrentPosition(
    (position) => {
      cameraForm.elements.latitude.value = position.coords.latitude.toFixed(6)
      cameraForm.elements.longitude.value = position.coords.longitude.toFixed(6)
      say($('camera-status'), `Location filled in (within about ${Math.round(position.coords.accuracy)} m): check it is the camera's place.`, 'ok')
    },
    (error) => say($('camera-status'), `No location: ${error.message}. Type the coordinates.`),
    {enableHighAccuracy: true, timeout: 15_000},
  )
})

// ── Requests, access report, devices ─────────────────────────────────────────────────────────────

async function loadRequests() {
  const requests = await api('GET', '/v1/requests/inbox')
  const rows = requests.map((r) =>
    el('tr', {}, el('td', {}, r.agency), el('td', {}, r.caseId), el('td', {}, `${when(r.window.from)} – ${when(r.window.to)}`), el('td', {}, r.cameras.map((c) => c.name).join(', ')), el('td', {}, r.reason), el('td', {}, r.status)),
  )
  $('request-list').replaceChildren(table(['Agency', 'Case', 'Footage wanted', 'Your cameras', 'Why', 'Status'], rows))
}

async function loadReport() {
  const report = await api('GET', '/v1/owners/me/access-report')
  const s = report.summary
  $('access-summary').textContent = `${s.live} live views, ${s.recorded} recorded, ${s.snapshots} pictures, ${s.refused} refused.`
  const rows = report.entries.map((e) =>
    el('tr', {}, el('td', {}, when(e.time)), el('td', {}, e.who ?? ''), el('td', {}, e.agency ?? ''), el('td', {}, e.cameraName ?? ''), el('td', {}, e.action), el('td', {}, e.reason ?? '')),
  )
  $('access-list').replaceChildren(table(['When', 'Who', 'Agency', 'Camera', 'What', 'Policy reason'], rows))
}

async function loadDevices() {
  const devices = await api('GET', '/v1/owner-devices')
  const rows = devices.map((d) => el('tr', {}, el('td', {}, d.name), el('td', {}, d.status), el('td', {class: 'mono'}, d.keyId ?? ''), el('td', {}, when(d.vouchedAt))))
  $('device-list').replaceChildren(table(['Phone', 'State', 'Key', 'Vouched'], rows))
}

// ── Profile ──────────────────────────────────────────────────────────────────────────────────────

const profileForm = $('profile-form')
const PROFILE = ['displayName', 'organisation', 'email', 'phone', 'postalAddress', 'preferredContact']

async function loadProfile() {
  const owner = await api('GET', '/v1/owners/me')
  for (const name of PROFILE) profileForm.elements[name].value = owner[name] ?? ''
}

profileForm.addEventListener('submit', async (event) => {
  event.preventDefault()
  try {
    const f = fields(profileForm)
    await api('PATCH', '/v1/owners/me', Object.fromEntries(PROFILE.map((name) => [name, f[name]])))
    say($('profile-status'), 'Saved.', 'ok')
  } catch (error) {
    say($('profile-status'), error.message)
  }
})

$('delete').addEventListener('click', () => $('delete-confirm').classList.remove('hidden'))
$('delete-no').addEventListener('click', () => $('delete-confirm').classList.add('hidden'))
$('delete-yes').addEventListener('click', async () => {
  try {
    await api('DELETE', '/v1/owners/me')
    document.querySelector('main').replaceChildren(el('section', {class: 'card', id: 'deleted'}, el('h2', {}, 'Your account is deleted'), el('p', {}, 'Your profile, cameras and account are gone.')))
  } catch (error) {
    say($('profile-status'), error.message)
  }
})

$('logout').addEventListener('click', async () => {
  await api('POST', '/web/session/logout').catch(() => undefined)
  location.assign('/owner/login')
})

const me = await session()
if (!me) location.assign('/owner/login')
else if (me.role !== 'owner') say(status, `You are logged in as ${me.user.username} (${me.role}): these pages are for camera owners.`)
else {
  $('who').textContent = me.user.username
  try {
    await Promise.all([loadCameras(), loadRequests(), loadReport(), loadDevices(), loadProfile()])
  } catch (error) {
    say(status, error.message)
  }
}
