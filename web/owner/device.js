/**
 * The phone's panic page. Opened from the one-time link of `rtcc owner device add` (its secret in
 * the URL fragment, which never reaches the server in a URL), it makes this phone's own Ed25519 key
 * (not extractable: it can sign but never leave the browser), sends the public half and shows its
 * code for the owner to compare on the computer, whose owner key vouches for it. Afterwards the
 * page raises and ends panics, each signed with that key; the device token only reaches the panic API.
 */
import {api, el, say, when} from './page.js'
import {clearStatement, keyIdOf, makeDeviceKey, panicStatement, rawPublicKey} from './statement.js'

const $ = (id) => document.getElementById(id)
const status = $('status')
const PANIC_MINUTES = 60
const STEPS = ['pair-step', 'ready-step', 'confirm-step', 'active-step']
const show = (step) => STEPS.forEach((id) => $(id).classList.toggle('hidden', id !== step))

// ── This phone's key and token, kept in IndexedDB (a CryptoKey is stored as is, still not extractable) ──

function store(mode, fn) {
  return new Promise((resolve, reject) => {
    const open = indexedDB.open('rtcc-device', 1)
    open.onupgradeneeded = () => open.result.createObjectStore('device')
    open.onerror = () => reject(open.error)
    open.onsuccess = () => {
      const request = fn(open.result.transaction('device', mode).objectStore('device'))
      request.onsuccess = () => resolve(request.result)
      request.onerror = () => reject(request.error)
    }
  })
}
const loadDevice = () => store('readonly', (s) => s.get('this'))
const saveDevice = (device) => store('readwrite', (s) => s.put(device, 'this'))

let device
let home
const deviceApi = (method, path, body) => api(method, path, body, {authorization: `Bearer ${device.token}`})
const signer = () => ({ownerId: home.ownerId, keyId: device.keyId, privateKey: device.keys.privateKey})

async function pair(secret) {
  // Forget the secret in the address bar: the link works once anyway.
  history.replaceState(null, '', location.pathname)
  const keys = await makeDeviceKey()
  const publicKey = await rawPublicKey(keys)
  const answer = await api('POST', '/v1/device/key', {publicKey}, {'x-rtcc-device-link': secret})
  device = {id: answer.device.id, token: answer.token, keyId: await keyIdOf(publicKey), keys}
  await saveDevice(device)
  $('pair-code').textContent = device.keyId
  show('pair-step')
  say(status, '')
  // Until the owner vouches for the key, the token opens nothing: wait for it.
  for (;;) {
    try {
      return await refresh()
    } catch (error) {
      if (error.status !== 401 || !/not vouched/.test(error.message)) throw error
      await new Promise((resolve) => setTimeout(resolve, 1500))
    }
  }
}

const cameraItems = (cameras) => (cameras.length ? cameras.map((c) => el('li', {}, `${c.name}${c.live ? ' (live)' : ''}${c.recorded ? ' (recordings)' : ''}`)) : [el('li', {class: 'muted'}, 'none set to share in an emergency')])

async function refresh() {
  home = await deviceApi('GET', '/v1/device')
  $('site').textContent = home.site
  $('confirm-site').textContent = home.site
  $('confirm-cameras').replaceChildren(...cameraItems(home.cameras))
  const active = home.panics[0]
  if (active) {
    $('active-since').textContent = `Since ${when(active.startedAt)}: every police dashboard has been alerted.`
    $('active-cameras').replaceChildren(...cameraItems(active.cameras))
    show('active-step')
  } else show('ready-step')
  say(status, `This phone: ${home.device.name}`, 'muted')
}

$('panic-button').addEventListener('click', () => show('confirm-step'))
$('confirm-no').addEventListener('click', () => show('ready-step'))
$('confirm-yes').addEventListener('click', async () => {
  $('confirm-yes').disabled = true
  try {
    await deviceApi('POST', '/v1/panic', {statement: await panicStatement(signer(), {minutes: PANIC_MINUTES})})
    await refresh()
  } catch (error) {
    say(status, error.message, 'error')
  } finally {
    $('confirm-yes').disabled = false
  }
})
$('end-button').addEventListener('click', async () => {
  try {
    await deviceApi('POST', '/v1/panic/clear', {statement: await clearStatement(signer(), home.panics.map((p) => p.panicId))})
    await refresh()
  } catch (error) {
    say(status, error.message, 'error')
  }
})

try {
  const secret = location.hash.slice(1)
  if (secret) await pair(secret)
  else {
    device = await loadDevice()
    if (!device) say(status, 'This phone has no panic button yet: on your computer, run `rtcc owner device add` and open the link it shows here.', 'error')
    else await refresh()
  }
} catch (error) {
  say(status, error.message, 'error')
}
