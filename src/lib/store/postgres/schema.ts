/**
 * The PostgreSQL schema, numbered and forward-only like the SQLite one. Columns keep the SQLite row
 * shapes (ISO-8601 text times, 0/1 integer flags, JSON as text; text collates byte-wise, as in SQLite, so
 * times compare as text and ORDER BY agrees) so both backends hand services the same rows; PostGIS adds what SQLite does in memory: camera points as geography (GiST) for ST_DWithin
 * radius search in metres, jurisdictions as geometry in lon/lat for ST_Covers scoping: planar edges,
 * exactly the point-in-polygon test the SQLite store runs, so both backends agree at the boundary.
 */
export const postgresMigrations: string[] = [
  `-- 1: the whole schema as of SQLite version 6
  CREATE EXTENSION IF NOT EXISTS postgis;

  CREATE TABLE users (
    id text COLLATE "C" PRIMARY KEY,
    username text COLLATE "C" NOT NULL,
    display_name text COLLATE "C",
    role text COLLATE "C" NOT NULL,
    password_hash text COLLATE "C" NOT NULL,
    disabled integer NOT NULL DEFAULT 0,
    locked_at text COLLATE "C",
    mfa_secret text COLLATE "C",
    mfa_pending_secret text COLLATE "C",
    mfa_required integer NOT NULL DEFAULT 0,
    agency_id text COLLATE "C",
    created_at text COLLATE "C" NOT NULL,
    updated_at text COLLATE "C" NOT NULL
  );
  CREATE UNIQUE INDEX users_username ON users (lower(username));
  CREATE TABLE login_failures (
    user_id text COLLATE "C" NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    at text COLLATE "C" NOT NULL
  );
  CREATE INDEX login_failures_user ON login_failures (user_id, at);
  CREATE TABLE sessions (
    id text COLLATE "C" PRIMARY KEY,
    token_hash bytea NOT NULL UNIQUE,
    user_id text COLLATE "C" NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at text COLLATE "C" NOT NULL,
    last_seen_at text COLLATE "C" NOT NULL,
    expires_at text COLLATE "C" NOT NULL,
    scope text COLLATE "C" NOT NULL DEFAULT 'full',
    ended_at text COLLATE "C"
  );
  CREATE TABLE api_tokens (
    id text COLLATE "C" PRIMARY KEY,
    token_hash bytea NOT NULL UNIQUE,
    user_id text COLLATE "C" NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name text COLLATE "C" NOT NULL,
    role_scope text COLLATE "C" NOT NULL,
    created_at text COLLATE "C" NOT NULL,
    expires_at text COLLATE "C" NOT NULL,
    last_used_at text COLLATE "C",
    revoked_at text COLLATE "C"
  );
  CREATE TABLE audit_records (
    seq bigint PRIMARY KEY,
    id text COLLATE "C" NOT NULL UNIQUE,
    time text COLLATE "C" NOT NULL,
    actor_id text COLLATE "C",
    actor_name text COLLATE "C",
    role text COLLATE "C",
    action text COLLATE "C" NOT NULL,
    target text COLLATE "C",
    outcome text COLLATE "C" NOT NULL,
    source text COLLATE "C",
    request_id text COLLATE "C",
    bytes_in bigint,
    bytes_out bigint,
    detail text COLLATE "C",
    leaf_hash bytea NOT NULL
  );
  CREATE INDEX audit_records_time ON audit_records (time);
  CREATE INDEX audit_records_actor ON audit_records (actor_name);
  CREATE INDEX audit_records_action ON audit_records (action);
  CREATE INDEX audit_records_target ON audit_records (target);
  CREATE TABLE audit_checkpoints (
    size bigint PRIMARY KEY,
    root_hash bytea NOT NULL,
    note text COLLATE "C" NOT NULL,
    created_at text COLLATE "C" NOT NULL
  );
  CREATE TABLE audit_cosignatures (
    size bigint NOT NULL,
    cosigner text COLLATE "C" NOT NULL,
    line text COLLATE "C" NOT NULL,
    signed_at bigint NOT NULL,
    PRIMARY KEY (size, cosigner)
  );
  CREATE TABLE events (
    id bigint PRIMARY KEY,
    type text COLLATE "C" NOT NULL,
    time text COLLATE "C" NOT NULL,
    severity text COLLATE "C" NOT NULL,
    owner_id text COLLATE "C",
    data text COLLATE "C" NOT NULL
  );

  CREATE TABLE agencies (
    id text COLLATE "C" PRIMARY KEY,
    name text COLLATE "C" NOT NULL,
    jurisdiction text COLLATE "C" NOT NULL,
    area geometry(MultiPolygon, 4326) NOT NULL,
    min_lat double precision NOT NULL, max_lat double precision NOT NULL,
    min_lon double precision NOT NULL, max_lon double precision NOT NULL,
    created_at text COLLATE "C" NOT NULL
  );
  CREATE UNIQUE INDEX agencies_name ON agencies (lower(name));
  ALTER TABLE users ADD FOREIGN KEY (agency_id) REFERENCES agencies(id);
  CREATE TABLE owners (
    id text COLLATE "C" PRIMARY KEY,
    user_id text COLLATE "C" UNIQUE REFERENCES users(id) ON DELETE CASCADE,
    display_name text COLLATE "C" NOT NULL,
    organisation text COLLATE "C",
    email text COLLATE "C" NOT NULL,
    phone text COLLATE "C",
    postal_address text COLLATE "C",
    preferred_contact text COLLATE "C" NOT NULL DEFAULT 'email',
    verified integer NOT NULL DEFAULT 0,
    created_at text COLLATE "C" NOT NULL,
    updated_at text COLLATE "C" NOT NULL
  );
  CREATE INDEX owners_email ON owners (email);
  CREATE TABLE cameras (
    id text COLLATE "C" PRIMARY KEY,
    owner_id text COLLATE "C" NOT NULL REFERENCES owners(id) ON DELETE CASCADE,
    source text COLLATE "C" NOT NULL,
    external_id text COLLATE "C" NOT NULL,
    name text COLLATE "C" NOT NULL,
    latitude double precision NOT NULL,
    longitude double precision NOT NULL,
    location geography(Point, 4326) GENERATED ALWAYS AS (ST_SetSRID(ST_MakePoint(longitude, latitude), 4326)::geography) STORED,
    address text COLLATE "C",
    location_type text COLLATE "C" NOT NULL,
    make text COLLATE "C",
    model text COLLATE "C",
    view_description text COLLATE "C",
    view_direction double precision,
    field_of_view double precision,
    records integer NOT NULL,
    retention_days integer,
    live_capable integer NOT NULL,
    tags text COLLATE "C" NOT NULL DEFAULT '[]',
    created_at text COLLATE "C" NOT NULL,
    updated_at text COLLATE "C" NOT NULL,
    UNIQUE (source, external_id)
  );
  CREATE INDEX cameras_owner ON cameras (owner_id);
  CREATE INDEX cameras_location ON cameras USING gist (location);
  CREATE INDEX cameras_point ON cameras USING gist ((location::geometry));

  CREATE TABLE footage_requests (
    id text COLLATE "C" PRIMARY KEY,
    case_id text COLLATE "C" NOT NULL,
    agency_id text COLLATE "C" REFERENCES agencies(id),
    agency_name text COLLATE "C" NOT NULL,
    issued_by text COLLATE "C" NOT NULL,
    issued_by_name text COLLATE "C" NOT NULL,
    -- no foreign key: a request and its evidence outlive an owner who deletes their profile
    owner_id text COLLATE "C" NOT NULL,
    latitude double precision NOT NULL,
    longitude double precision NOT NULL,
    radius_m double precision NOT NULL,
    window_from text COLLATE "C" NOT NULL,
    window_to text COLLATE "C" NOT NULL,
    reason text COLLATE "C" NOT NULL,
    status text COLLATE "C" NOT NULL,
    token_hash bytea NOT NULL UNIQUE,
    expires_at text COLLATE "C" NOT NULL,
    decline_reason text COLLATE "C",
    last_mailed_at text COLLATE "C",
    created_at text COLLATE "C" NOT NULL,
    updated_at text COLLATE "C" NOT NULL
  );
  CREATE INDEX footage_requests_case ON footage_requests (case_id);
  CREATE INDEX footage_requests_owner ON footage_requests (owner_id, status);
  CREATE INDEX footage_requests_status ON footage_requests (status, expires_at);
  CREATE TABLE request_cameras (
    request_id text COLLATE "C" NOT NULL REFERENCES footage_requests(id) ON DELETE CASCADE,
    camera_id text COLLATE "C" NOT NULL,
    camera_name text COLLATE "C" NOT NULL,
    distance_m double precision NOT NULL,
    faces_incident integer,
    rank integer NOT NULL,
    PRIMARY KEY (request_id, camera_id)
  );
  CREATE TABLE request_timeline (
    id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    request_id text COLLATE "C" NOT NULL REFERENCES footage_requests(id) ON DELETE CASCADE,
    time text COLLATE "C" NOT NULL,
    actor text COLLATE "C" NOT NULL,
    actor_id text COLLATE "C" NOT NULL,
    actor_role text COLLATE "C" NOT NULL,
    source text COLLATE "C",
    event text COLLATE "C" NOT NULL,
    target text COLLATE "C",
    detail text COLLATE "C"
  );
  CREATE INDEX request_timeline_request ON request_timeline (request_id, id);
  CREATE TABLE evidence_files (
    id text COLLATE "C" PRIMARY KEY,
    request_id text COLLATE "C" NOT NULL REFERENCES footage_requests(id),
    camera_id text COLLATE "C",
    parent_id text COLLATE "C" REFERENCES evidence_files(id),
    blob_id text COLLATE "C" NOT NULL,
    sha256 text COLLATE "C" NOT NULL,
    size bigint NOT NULL,
    media text COLLATE "C" NOT NULL,
    encryption text COLLATE "C" NOT NULL,
    custody text COLLATE "C" NOT NULL,
    created_at text COLLATE "C" NOT NULL
  );
  CREATE INDEX evidence_files_request ON evidence_files (request_id);

  CREATE TABLE core_enrollment_codes (
    code_hash bytea PRIMARY KEY,
    owner_id text COLLATE "C" NOT NULL REFERENCES owners(id) ON DELETE CASCADE,
    created_by text COLLATE "C" NOT NULL,
    created_at text COLLATE "C" NOT NULL,
    expires_at text COLLATE "C" NOT NULL,
    used_at text COLLATE "C",
    core_id text COLLATE "C"
  );
  CREATE TABLE cores (
    id text COLLATE "C" PRIMARY KEY,
    owner_id text COLLATE "C" NOT NULL REFERENCES owners(id) ON DELETE CASCADE,
    name text COLLATE "C" NOT NULL,
    public_key text COLLATE "C" NOT NULL,
    version text COLLATE "C",
    enrolled_at text COLLATE "C" NOT NULL,
    online integer NOT NULL DEFAULT 0,
    connected_at text COLLATE "C",
    last_seen_at text COLLATE "C",
    source_address text COLLATE "C"
  );
  CREATE INDEX cores_owner ON cores (owner_id);
  CREATE TABLE core_cameras (
    camera_id text COLLATE "C" PRIMARY KEY REFERENCES cameras(id) ON DELETE CASCADE,
    core_id text COLLATE "C" NOT NULL REFERENCES cores(id) ON DELETE CASCADE,
    status text COLLATE "C" NOT NULL DEFAULT 'unknown',
    detail text COLLATE "C",
    onvif text COLLATE "C",
    stream text COLLATE "C",
    live_mode text COLLATE "C",
    recorded_mode text COLLATE "C",
    checked_at text COLLATE "C"
  );
  CREATE INDEX core_cameras_core ON core_cameras (core_id);

  CREATE TABLE owner_keys (
    key_id text COLLATE "C" PRIMARY KEY,
    owner_id text COLLATE "C" NOT NULL REFERENCES owners(id) ON DELETE CASCADE,
    public_key text COLLATE "C" NOT NULL,
    created_at text COLLATE "C" NOT NULL
  );
  CREATE INDEX owner_keys_owner ON owner_keys (owner_id);
  CREATE TABLE policy_documents (
    id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    camera_id text COLLATE "C" NOT NULL REFERENCES cameras(id) ON DELETE CASCADE,
    owner_id text COLLATE "C" NOT NULL,
    version integer NOT NULL,
    document text COLLATE "C" NOT NULL,
    uploaded_at text COLLATE "C" NOT NULL,
    delivered_at text COLLATE "C",
    UNIQUE (camera_id, version)
  );
  CREATE TABLE camera_policies (
    camera_id text COLLATE "C" PRIMARY KEY REFERENCES cameras(id) ON DELETE CASCADE,
    owner_id text COLLATE "C" NOT NULL,
    version integer NOT NULL,
    live_mode text COLLATE "C" NOT NULL,
    recorded_mode text COLLATE "C" NOT NULL,
    policy text COLLATE "C",
    source text COLLATE "C" NOT NULL,
    updated_at text COLLATE "C" NOT NULL
  );
  CREATE TABLE panics (
    id text COLLATE "C" PRIMARY KEY,
    owner_id text COLLATE "C" NOT NULL REFERENCES owners(id) ON DELETE CASCADE,
    started_at text COLLATE "C" NOT NULL,
    until text COLLATE "C" NOT NULL,
    message text COLLATE "C",
    cleared_at text COLLATE "C",
    statement text COLLATE "C" NOT NULL,
    clear_statement text COLLATE "C",
    created_at text COLLATE "C" NOT NULL
  );
  CREATE INDEX panics_owner ON panics (owner_id, until);
  CREATE TABLE access_requests (
    id text COLLATE "C" PRIMARY KEY,
    camera_id text COLLATE "C" NOT NULL REFERENCES cameras(id) ON DELETE CASCADE,
    owner_id text COLLATE "C" NOT NULL,
    requester_id text COLLATE "C" NOT NULL,
    requester_name text COLLATE "C" NOT NULL,
    agency_id text COLLATE "C",
    agency_name text COLLATE "C",
    reason text COLLATE "C" NOT NULL,
    duration_s integer NOT NULL,
    status text COLLATE "C" NOT NULL,
    created_at text COLLATE "C" NOT NULL,
    decided_at text COLLATE "C",
    decision_note text COLLATE "C",
    window_from text COLLATE "C",
    window_until text COLLATE "C",
    approval text COLLATE "C"
  );
  CREATE INDEX access_requests_camera ON access_requests (camera_id, status);
  CREATE INDEX access_requests_owner ON access_requests (owner_id, status, created_at);
  `,
]
