/**
 * The PostgreSQL schema, numbered and forward-only like the SQLite one. Columns keep the SQLite row
 * shapes (ISO-8601 text times, 0/1 integer flags, JSON as text) so both backends hand services the same
 * rows; PostGIS adds what SQLite does in memory: camera points as geography (GiST) for ST_DWithin
 * radius search in metres, jurisdictions as geometry in lon/lat for ST_Covers scoping: planar edges,
 * exactly the point-in-polygon test the SQLite store runs, so both backends agree at the boundary.
 */
export const postgresMigrations: string[] = [
  `-- 1: the whole schema as of SQLite version 6
  CREATE EXTENSION IF NOT EXISTS postgis;

  CREATE TABLE users (
    id text PRIMARY KEY,
    username text NOT NULL,
    display_name text,
    role text NOT NULL,
    password_hash text NOT NULL,
    disabled integer NOT NULL DEFAULT 0,
    locked_at text,
    mfa_secret text,
    mfa_pending_secret text,
    mfa_required integer NOT NULL DEFAULT 0,
    agency_id text,
    created_at text NOT NULL,
    updated_at text NOT NULL
  );
  CREATE UNIQUE INDEX users_username ON users (lower(username));
  CREATE TABLE login_failures (
    user_id text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    at text NOT NULL
  );
  CREATE INDEX login_failures_user ON login_failures (user_id, at);
  CREATE TABLE sessions (
    id text PRIMARY KEY,
    token_hash bytea NOT NULL UNIQUE,
    user_id text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at text NOT NULL,
    last_seen_at text NOT NULL,
    expires_at text NOT NULL,
    scope text NOT NULL DEFAULT 'full',
    ended_at text
  );
  CREATE TABLE api_tokens (
    id text PRIMARY KEY,
    token_hash bytea NOT NULL UNIQUE,
    user_id text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name text NOT NULL,
    role_scope text NOT NULL,
    created_at text NOT NULL,
    expires_at text NOT NULL,
    last_used_at text,
    revoked_at text
  );
  CREATE TABLE audit_records (
    seq bigint PRIMARY KEY,
    id text NOT NULL UNIQUE,
    time text NOT NULL,
    actor_id text,
    actor_name text,
    role text,
    action text NOT NULL,
    target text,
    outcome text NOT NULL,
    source text,
    request_id text,
    bytes_in bigint,
    bytes_out bigint,
    detail text,
    leaf_hash bytea NOT NULL
  );
  CREATE INDEX audit_records_time ON audit_records (time);
  CREATE INDEX audit_records_actor ON audit_records (actor_name);
  CREATE INDEX audit_records_action ON audit_records (action);
  CREATE INDEX audit_records_target ON audit_records (target);
  CREATE TABLE audit_checkpoints (
    size bigint PRIMARY KEY,
    root_hash bytea NOT NULL,
    note text NOT NULL,
    created_at text NOT NULL
  );
  CREATE TABLE events (
    id bigint PRIMARY KEY,
    type text NOT NULL,
    time text NOT NULL,
    severity text NOT NULL,
    owner_id text,
    data text NOT NULL
  );

  CREATE TABLE agencies (
    id text PRIMARY KEY,
    name text NOT NULL,
    jurisdiction text NOT NULL,
    area geometry(MultiPolygon, 4326) NOT NULL,
    min_lat double precision NOT NULL, max_lat double precision NOT NULL,
    min_lon double precision NOT NULL, max_lon double precision NOT NULL,
    created_at text NOT NULL
  );
  CREATE UNIQUE INDEX agencies_name ON agencies (lower(name));
  ALTER TABLE users ADD FOREIGN KEY (agency_id) REFERENCES agencies(id);
  CREATE TABLE owners (
    id text PRIMARY KEY,
    user_id text UNIQUE REFERENCES users(id) ON DELETE CASCADE,
    display_name text NOT NULL,
    organisation text,
    email text NOT NULL,
    phone text,
    postal_address text,
    preferred_contact text NOT NULL DEFAULT 'email',
    verified integer NOT NULL DEFAULT 0,
    created_at text NOT NULL,
    updated_at text NOT NULL
  );
  CREATE INDEX owners_email ON owners (email);
  CREATE TABLE cameras (
    id text PRIMARY KEY,
    owner_id text NOT NULL REFERENCES owners(id) ON DELETE CASCADE,
    source text NOT NULL,
    external_id text NOT NULL,
    name text NOT NULL,
    latitude double precision NOT NULL,
    longitude double precision NOT NULL,
    location geography(Point, 4326) GENERATED ALWAYS AS (ST_SetSRID(ST_MakePoint(longitude, latitude), 4326)::geography) STORED,
    address text,
    location_type text NOT NULL,
    make text,
    model text,
    view_description text,
    view_direction double precision,
    field_of_view double precision,
    records integer NOT NULL,
    retention_days integer,
    live_capable integer NOT NULL,
    tags text NOT NULL DEFAULT '[]',
    created_at text NOT NULL,
    updated_at text NOT NULL,
    UNIQUE (source, external_id)
  );
  CREATE INDEX cameras_owner ON cameras (owner_id);
  CREATE INDEX cameras_location ON cameras USING gist (location);
  CREATE INDEX cameras_point ON cameras USING gist ((location::geometry));

  CREATE TABLE footage_requests (
    id text PRIMARY KEY,
    case_id text NOT NULL,
    agency_id text REFERENCES agencies(id),
    agency_name text NOT NULL,
    issued_by text NOT NULL,
    issued_by_name text NOT NULL,
    -- no foreign key: a request and its evidence outlive an owner who deletes their profile
    owner_id text NOT NULL,
    latitude double precision NOT NULL,
    longitude double precision NOT NULL,
    radius_m double precision NOT NULL,
    window_from text NOT NULL,
    window_to text NOT NULL,
    reason text NOT NULL,
    status text NOT NULL,
    token_hash bytea NOT NULL UNIQUE,
    expires_at text NOT NULL,
    decline_reason text,
    last_mailed_at text,
    created_at text NOT NULL,
    updated_at text NOT NULL
  );
  CREATE INDEX footage_requests_case ON footage_requests (case_id);
  CREATE INDEX footage_requests_owner ON footage_requests (owner_id, status);
  CREATE INDEX footage_requests_status ON footage_requests (status, expires_at);
  CREATE TABLE request_cameras (
    request_id text NOT NULL REFERENCES footage_requests(id) ON DELETE CASCADE,
    camera_id text NOT NULL,
    camera_name text NOT NULL,
    distance_m double precision NOT NULL,
    faces_incident integer,
    rank integer NOT NULL,
    PRIMARY KEY (request_id, camera_id)
  );
  CREATE TABLE request_timeline (
    id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    request_id text NOT NULL REFERENCES footage_requests(id) ON DELETE CASCADE,
    time text NOT NULL,
    actor text NOT NULL,
    actor_id text NOT NULL,
    actor_role text NOT NULL,
    source text,
    event text NOT NULL,
    target text,
    detail text
  );
  CREATE INDEX request_timeline_request ON request_timeline (request_id, id);
  CREATE TABLE evidence_files (
    id text PRIMARY KEY,
    request_id text NOT NULL REFERENCES footage_requests(id),
    camera_id text,
    parent_id text REFERENCES evidence_files(id),
    blob_id text NOT NULL,
    sha256 text NOT NULL,
    size bigint NOT NULL,
    media text NOT NULL,
    encryption text NOT NULL,
    custody text NOT NULL,
    created_at text NOT NULL
  );
  CREATE INDEX evidence_files_request ON evidence_files (request_id);

  CREATE TABLE core_enrollment_codes (
    code_hash bytea PRIMARY KEY,
    owner_id text NOT NULL REFERENCES owners(id) ON DELETE CASCADE,
    created_by text NOT NULL,
    created_at text NOT NULL,
    expires_at text NOT NULL,
    used_at text,
    core_id text
  );
  CREATE TABLE cores (
    id text PRIMARY KEY,
    owner_id text NOT NULL REFERENCES owners(id) ON DELETE CASCADE,
    name text NOT NULL,
    public_key text NOT NULL,
    version text,
    enrolled_at text NOT NULL,
    online integer NOT NULL DEFAULT 0,
    connected_at text,
    last_seen_at text,
    source_address text
  );
  CREATE INDEX cores_owner ON cores (owner_id);
  CREATE TABLE core_cameras (
    camera_id text PRIMARY KEY REFERENCES cameras(id) ON DELETE CASCADE,
    core_id text NOT NULL REFERENCES cores(id) ON DELETE CASCADE,
    status text NOT NULL DEFAULT 'unknown',
    detail text,
    onvif text,
    stream text,
    live_mode text,
    recorded_mode text,
    checked_at text
  );
  CREATE INDEX core_cameras_core ON core_cameras (core_id);

  CREATE TABLE owner_keys (
    key_id text PRIMARY KEY,
    owner_id text NOT NULL REFERENCES owners(id) ON DELETE CASCADE,
    public_key text NOT NULL,
    created_at text NOT NULL
  );
  CREATE INDEX owner_keys_owner ON owner_keys (owner_id);
  CREATE TABLE policy_documents (
    id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    camera_id text NOT NULL REFERENCES cameras(id) ON DELETE CASCADE,
    owner_id text NOT NULL,
    version integer NOT NULL,
    document text NOT NULL,
    uploaded_at text NOT NULL,
    delivered_at text,
    UNIQUE (camera_id, version)
  );
  CREATE TABLE camera_policies (
    camera_id text PRIMARY KEY REFERENCES cameras(id) ON DELETE CASCADE,
    owner_id text NOT NULL,
    version integer NOT NULL,
    live_mode text NOT NULL,
    recorded_mode text NOT NULL,
    policy text,
    source text NOT NULL,
    updated_at text NOT NULL
  );
  CREATE TABLE panics (
    id text PRIMARY KEY,
    owner_id text NOT NULL REFERENCES owners(id) ON DELETE CASCADE,
    started_at text NOT NULL,
    until text NOT NULL,
    message text,
    cleared_at text,
    statement text NOT NULL,
    clear_statement text,
    created_at text NOT NULL
  );
  CREATE INDEX panics_owner ON panics (owner_id, until);
  CREATE TABLE access_requests (
    id text PRIMARY KEY,
    camera_id text NOT NULL REFERENCES cameras(id) ON DELETE CASCADE,
    owner_id text NOT NULL,
    requester_id text NOT NULL,
    requester_name text NOT NULL,
    agency_id text,
    agency_name text,
    reason text NOT NULL,
    duration_s integer NOT NULL,
    status text NOT NULL,
    created_at text NOT NULL,
    decided_at text,
    decision_note text,
    window_from text,
    window_until text,
    approval text
  );
  CREATE INDEX access_requests_camera ON access_requests (camera_id, status);
  CREATE INDEX access_requests_owner ON access_requests (owner_id, status, created_at);
  `,
]
