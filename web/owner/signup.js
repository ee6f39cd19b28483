// Sign up (the CLI's `owner signup`), log in, then offer a second factor (the CLI's `user mfa enroll`).
import {api, fields, say, setCsrf} from './page.js'

const form = document.getElementById('signup')
const status = document.getElementById('status')

form.addEventListener('submit', async (event) => {
  event.preventDefault()
  const f = fields(form)
  say(status, 'Creating your account…', 'muted')
  try {
    const profile = {displayName: f.displayName, organisation: f.organisation, email: f.email, phone: f.phone, postalAddress: f.postalAddress, preferredContact: f.preferredContact ?? 'email'}
    await api('POST', '/v1/owners/signup', {username: f.username, password: f.password ?? '', profile})
    const login = await api('POST', '/web/session/login', {username: f.username, password: f.password}, {'x-rtcc-csrf': 'login'})
    setCsrf(login.csrf)
    const mfa = await api('POST', '/v1/auth/mfa/enroll')
    document.getElementById('mfa-secret').textContent = mfa.secret
    document.getElementById('mfa-uri').textContent = mfa.uri
    document.getElementById('signup-card').classList.add('hidden')
    document.getElementById('mfa-card').classList.remove('hidden')
  } catch (error) {
    say(status, error.message)
  }
})

const mfaForm = document.getElementById('mfa')
mfaForm.addEventListener('submit', async (event) => {
  event.preventDefault()
  try {
    await api('POST', '/v1/auth/mfa/confirm', {otp: fields(mfaForm).otp})
    location.assign('/owner')
  } catch (error) {
    say(document.getElementById('mfa-status'), error.message)
  }
})
