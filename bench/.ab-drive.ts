import {readFileSync} from 'node:fs'
import {ApiClient} from '../src/lib/client/api.js'
import {fetchCertificate} from '../src/lib/client/pinning.js'
import {random} from '../src/lib/registry/synthetic.js'
const [url, pid, label] = process.argv.slice(2) as [string, string, string]
const cpu = () => { const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' '); return (Number(f[11]) + Number(f[12])) * 10 }
const {pem, fingerprint} = await fetchCertificate(url)
const pin = {certPem: pem, fingerprint}
const session = await new ApiClient({baseUrl: url, pin}).post<{token: string}>('/v1/auth/login', {username: 'chief', password: 'Import-Bench-Passphrase-1'})
const client = new ApiClient({baseUrl: url, pin, token: session.token})
const CENTER = {latitude: 41.8781, longitude: -87.6298}
const SPREAD = 30_000 / 111_195
const LON_SCALE = 1 / Math.cos((CENTER.latitude * Math.PI) / 180)
const N = Number(process.env.N ?? 1000)
const out: string[] = [label]
for (const what of ['whoami', '300m', '2000m']) {
  const next = random(7)
  for (let i = 0; i < 100; i++) await client.get('/v1/auth/whoami')
  const lat: number[] = []
  const c0 = cpu()
  for (let i = 0; i < N; i++) {
    const p = {latitude: CENTER.latitude + (next() * 2 - 1) * SPREAD * 0.7, longitude: CENTER.longitude + (next() * 2 - 1) * SPREAD * 0.7 * LON_SCALE}
    const t = performance.now()
    if (what === 'whoami') await client.get('/v1/auth/whoami')
    else await client.get('/v1/registry/near', {at: `${p.latitude},${p.longitude}`, radius: what, limit: 100})
    lat.push(performance.now() - t)
  }
  const c = cpu() - c0
  lat.sort((a, b) => a - b)
  out.push(`${what} p50 ${lat[N >> 1]!.toFixed(2)} p99 ${lat[Math.floor(N * 0.99)]!.toFixed(2)} srvCPU ${(c / N).toFixed(3)}ms/req`)
}
console.log(out.join(' | '))
