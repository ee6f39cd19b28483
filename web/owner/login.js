// Log in with password and, when the account has one, the TOTP code: the CLI's own login (same lockout).
import {api, ApiError, fields, say} from './page.js'

const form = document.getElementById('login')
const status = document.getElementById('status')

form.addEventListener('submit', async (event) => {
  event.preventDefault()
  const {username, password, otp} = fields(form)
  say(status, 'Logging in…', 'muted')
  try {
    // No session yet: the custom header (with the Origin) is what the server checks.
    await api('POST', '/web/session/login', {username, password, ...(otp ? {otp} : {})}, {'x-rtcc-csrf': 'login'})
    location.assign('/owner')
  } catch (error) {
    if (error instanceof ApiError && error.code === 'otp_required') {
      document.getElementById('otp-row').classList.remove('hidden')
      document.getElementById('otp').focus()
    }
    say(status, error.message)
  }
})
