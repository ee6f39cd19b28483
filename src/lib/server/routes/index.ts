import type {z} from 'zod'

import type {RouteDef} from '../route.js'
import {agencyRoutes} from './agencies.js'
import {auditRoutes} from './audit.js'
import {authRoutes} from './auth.js'
import {coreRoutes} from './cores.js'
import {eventRoutes} from './events.js'
import {evidenceRoutes} from './evidence.js'
import {healthRoutes} from './health.js'
import {ownerRoutes} from './owners.js'
import {registryImportRoutes} from './registry-import.js'
import {registryRoutes} from './registry.js'
import {requestRoutes} from './requests.js'
import {streamRoutes} from './streams.js'
import {tokenRoutes} from './tokens.js'
import {userRoutes} from './users.js'

export const allRoutes = [...healthRoutes, ...authRoutes, ...userRoutes, ...tokenRoutes, ...eventRoutes, ...auditRoutes, ...ownerRoutes, ...registryRoutes, ...registryImportRoutes, ...agencyRoutes, ...requestRoutes, ...evidenceRoutes, ...coreRoutes, ...streamRoutes] as unknown as RouteDef<z.ZodType, z.ZodType>[]
