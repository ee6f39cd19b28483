/** The owners' web pages and their assets (server/web). Each page is a public, rate-limited, audited route. */
import {definePage, webAssetRoute} from '../web/index.js'

export const webRoutes = [
  webAssetRoute,
  // The footage-request page: the mailed link is /request#<token>; the token never reaches the server in a URL.
  definePage({url: '/request', file: 'request.html', action: 'web.request'}),
]
