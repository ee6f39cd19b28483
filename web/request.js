// The footage-request page. The token comes from the URL fragment (never sent to the server in a
// URL or a Referer) and travels in the x-rtcc-request-token header, as the CLI sends it. Every value
// from the server is written with textContent, never parsed as HTML.
const TOKEN_HEADER = 'x-rtcc-request-token'
const token = decodeURIComponent(location.hash.slice(1))
const $ = (id) => document.getElementById(id)

function setStatus(el, text, kind = 'muted') {
  el.textContent = text
  for (const k of ['muted', 'ok', 'error']) el.classList.toggle(k, k === kind)
}

async function api(method, path, body) {
  const response = await fetch(path, {
    method,
    headers: {[TOKEN_HEADER]: token, ...(body ? {'content-type': 'application/json'} : {})},
    body: body ? JSON.stringify(body) : undefined,
    credentials: 'omit',
    cache: 'no-store',
  })
  const data = await response.json().catch(() => ({}))
  if (!response.ok) throw new Error(data.error?.message ?? `the server answered ${response.status}`)
  return data
}

const formatTime = (iso) => new Date(iso).toLocaleString(undefined, {dateStyle: 'medium', timeStyle: 'short'})
const formatBytes = (n) => (n >= 1e9 ? `${(n / 1e9).toFixed(2)} GB` : n >= 1e6 ? `${(n / 1e6).toFixed(1)} MB` : n >= 1e3 ? `${(n / 1e3).toFixed(0)} kB` : `${n} bytes`)

function showRequest(request) {
  $('title').textContent = `${request.agency} asks for footage`
  $('agency').textContent = request.agency
  $('case').textContent = request.caseId
  $('reason').textContent = request.reason
  const {latitude, longitude, radiusMetres} = request.incident
  $('place').textContent = `${latitude.toFixed(5)}, ${longitude.toFixed(5)} (within ${Math.round(radiusMetres)} m)`
  $('window').textContent = `${formatTime(request.window.from)} – ${formatTime(request.window.to)}`
  $('expires').textContent = formatTime(request.expiresAt)
  for (const camera of request.cameras) $('cameras').append(cameraCard(request, camera))
  $('status').classList.add('hidden')
  $('request').classList.remove('hidden')
}

function cameraCard(request, camera) {
  const card = $('camera-template').content.firstElementChild.cloneNode(true)
  card.dataset.camera = camera.cameraId
  card.querySelector('.camera-name').textContent = camera.name
  card.querySelector('.camera-distance').textContent = `${Math.round(camera.distanceMetres)} m from the incident`
  const drop = card.querySelector('.drop')
  const input = card.querySelector('input')
  const list = card.querySelector('.uploads')
  const add = (files) => {
    for (const file of files) upload(request, camera, file, list)
  }
  input.addEventListener('change', () => {
    add([...input.files])
    input.value = ''
  })
  drop.addEventListener('dragover', (event) => {
    event.preventDefault()
    drop.classList.add('over')
  })
  drop.addEventListener('dragleave', () => drop.classList.remove('over'))
  drop.addEventListener('drop', (event) => {
    event.preventDefault()
    drop.classList.remove('over')
    add([...event.dataTransfer.files])
  })
  return card
}

function upload(request, camera, file, list) {
  const row = $('upload-template').content.firstElementChild.cloneNode(true)
  row.querySelector('.upload-name').textContent = file.name
  row.querySelector('.upload-size').textContent = formatBytes(file.size)
  const bar = row.querySelector('progress')
  const status = row.querySelector('.upload-status')
  list.append(row)
  setStatus(status, 'Uploading…')
  const tus = new window.tus.Upload(file, {
    endpoint: '/v1/uploads',
    headers: {[TOKEN_HEADER]: token},
    metadata: {filename: file.name, camera: camera.cameraId, filetype: file.type},
    // A dropped connection is retried from the server's offset; give a home link time to come back.
    retryDelays: [0, 1000, 2000, 4000, 8000, 15000, 30000, 60000],
    // Resume across page reloads of the same request only (the fingerprint includes the request id).
    fingerprint: async (f) => `rtcc-${request.id}-${camera.cameraId}-${f.name}-${f.size}-${f.lastModified}`,
    removeFingerprintOnSuccess: true,
    onProgress: (sent, total) => {
      bar.value = total ? Math.floor((sent / total) * 100) : 0
      row.dataset.sent = String(sent)
      setStatus(status, `Uploading… ${formatBytes(sent)} of ${formatBytes(total)}`)
    },
    onShouldRetry: (error, attempt) => {
      const code = error.originalResponse?.getStatus() ?? 0
      if (code >= 400 && code < 500 && code !== 409 && code !== 423 && code !== 429) return false
      setStatus(status, `Connection lost; retrying (attempt ${attempt + 1})…`)
      row.dataset.retries = String(attempt + 1)
      return true
    },
    onError: (error) => {
      row.dataset.state = 'failed'
      setStatus(status, `Not received: ${serverMessage(error.originalResponse) ?? error.message}`, 'error')
    },
    onSuccess: ({lastResponse}) => {
      const receipt = JSON.parse(lastResponse.getBody())
      bar.value = 100
      row.dataset.state = 'received'
      setStatus(status, 'Received. Keep this receipt:', 'ok')
      const r = row.querySelector('.receipt')
      r.querySelector('.r-name').textContent = receipt.fileName ?? file.name
      r.querySelector('.r-size').textContent = `${formatBytes(receipt.size)} (${receipt.size} bytes)`
      r.querySelector('.r-sha').textContent = receipt.sha256
      r.querySelector('.r-time').textContent = formatTime(receipt.receivedAt)
      r.querySelector('.r-id').textContent = receipt.id
      r.classList.remove('hidden')
    },
  })
  tus.findPreviousUploads().then((previous) => {
    if (previous.length) tus.resumeFromPreviousUpload(previous[0])
    tus.start()
  })
}

/** The server's plain message from a JSON error body, if any. */
function serverMessage(response) {
  try {
    return JSON.parse(response?.getBody() ?? '').error?.message
  } catch {
    return undefined
  }
}

function answered(text) {
  setStatus($('answer-status'), text, 'ok')
  for (const el of document.querySelectorAll('#request button, #request input, #request textarea')) el.disabled = true
}

async function main() {
  if (!token) {
    setStatus($('status'), 'This page needs the link from your email (the part after #). Open the link from the email again.', 'error')
    return
  }
  try {
    const request = await api('GET', '/v1/requests/by-token')
    showRequest(request)
    $('finish').addEventListener('click', async () => {
      try {
        await api('POST', `/v1/requests/${encodeURIComponent(request.id)}/complete`)
        answered('Thank you. The request is answered and the link no longer works.')
      } catch (error) {
        setStatus($('answer-status'), error.message, 'error')
      }
    })
    $('decline').addEventListener('click', async () => {
      const reason = $('decline-reason').value.trim() || 'declined on the request page (no reason given)'
      try {
        await api('POST', `/v1/requests/${encodeURIComponent(request.id)}/decline`, {reason})
        answered('You declined the request. Thank you for answering.')
      } catch (error) {
        setStatus($('answer-status'), error.message, 'error')
      }
    })
  } catch (error) {
    setStatus($('status'), `This request cannot be opened: ${error.message}`, 'error')
  }
}

main()
