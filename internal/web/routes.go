package web

import (
	"net/http"
	"strings"
)

// route is one entry of the server's route table, from which both the mux
// and the OpenAPI document are built.
type route struct {
	method, path string
	api          bool // JSON errors (and documented in OpenAPI when under /api/)
	open         bool // no sign-in needed
	summary      string
	body         string // request body: "" none, "multipart" a file upload, "json"
	result       string // the OpenAPI schema name of a 2xx JSON response, or a media type
	handle       func(http.ResponseWriter, *http.Request) error
}

// pattern is the route's ServeMux pattern.
func (r route) pattern() string { return r.method + " " + r.path }

// params returns the {names} in the route's path.
func (r route) params() []string {
	var ps []string
	for _, seg := range strings.Split(r.path, "/") {
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			ps = append(ps, strings.TrimSuffix(strings.Trim(seg, "{}"), "..."))
		}
	}
	return ps
}

// routeTable lists every route the server answers.
func (s *Server) routeTable() []route {
	rs := []route{
		// health and documentation
		{method: "GET", path: "/healthz", api: true, open: true, summary: "Liveness: 200 while the process serves", handle: s.healthz},
		{method: "GET", path: "/readyz", api: true, open: true, summary: "Readiness: 200 when the store is open and its migrations applied, else 503", handle: s.readyz},
		{method: "GET", path: "/metrics", api: true, open: true, summary: "Prometheus metrics (loopback and the allowed networks only)", result: "text/plain", handle: s.metrics},
		{method: "GET", path: "/api/openapi.json", api: true, open: true, summary: "This OpenAPI document", result: "object", handle: s.openapi},

		// the API
		{method: "GET", path: "/api/me", api: true, summary: "The signed-in user", result: "User", handle: s.apiMe},
		{method: "GET", path: "/api/datasets", api: true, summary: "Datasets the user may see", result: "DatasetList", handle: s.apiDatasets},
		{method: "GET", path: "/api/datasets/{id}", api: true, summary: "A dataset with its schema", result: "Dataset", handle: s.apiDataset},
		{method: "GET", path: "/api/datasets/{id}/versions", api: true, summary: "A dataset's versions, oldest first", result: "VersionList", handle: s.apiVersions},
		{method: "GET", path: "/api/datasets/{id}/versions/{number}", api: true, summary: "One version with its quality report (number 0 is the latest)", result: "Version", handle: s.apiVersion},
		{method: "POST", path: "/api/datasets/{id}/pushes", api: true, body: "json", summary: "Declare a file to push in chunks (name, size, sha256), or resume the user's unfinished push of it", result: "Push", handle: s.apiPushStart},
		{method: "GET", path: "/api/backup", api: true, summary: "A consistent backup of the store as a tar archive (partner admins, from the server's own machine)", result: "application/x-tar", handle: s.apiBackup},
		{method: "GET", path: "/api/pushes/{id}", api: true, summary: "A push in progress: the bytes the server holds", result: "Push", handle: s.apiPushShow},
		{method: "PUT", path: "/api/pushes/{id}/chunks/{offset}", api: true, body: "octet-stream", summary: "Send the chunk at a byte offset, with its SHA-256 in X-Chunk-SHA256 (the same chunk again changes nothing; other bytes at a held offset, or a gap, 409)", result: "Push", handle: s.apiPushChunk},
		{method: "POST", path: "/api/pushes/{id}/complete", api: true, summary: "Check the pushed file's SHA-256 and load it as an upload; starts a background job (202), or answers with the push's job when it was completed already", result: "Job", handle: s.apiPushComplete},
		{method: "POST", path: "/api/datasets/{id}/uploads", api: true, body: "multipart", summary: "Upload a file as a new version; starts a background job (202)", result: "Job", handle: s.apiUpload},
		{method: "GET", path: "/api/jobs/{id}", api: true, summary: "An upload job's state", result: "Job", handle: s.apiJob},
		{method: "GET", path: "/api/jobs/{id}/events", api: true, summary: "An upload job's progress as server-sent events (event: progress, data: Job JSON)", result: "text/event-stream", handle: s.apiJobEvents},
		{method: "GET", path: "/api/boundaries/districts", api: true, summary: "District boundaries as GeoJSON (properties code, name)", result: "application/geo+json", handle: s.apiDistricts},
		{method: "GET", path: "/api/indicators", api: true, summary: "Indicators that can be mapped by district", result: "IndicatorList", handle: s.apiIndicators},
		{method: "GET", path: "/api/indicators/{id}", api: true, summary: "An indicator's disclosure-controlled value per district", result: "DistrictTable", handle: s.apiIndicator},
		{method: "GET", path: "/api/agreements", api: true, summary: "Data-sharing agreements the user's partner is a party to (auditors: all)", result: "AgreementList", handle: s.apiAgreements},
		{method: "POST", path: "/api/agreements", api: true, body: "json", summary: "Draft an agreement (partner admins of a party; 201)", result: "Agreement", handle: s.apiCreateAgreement},
		{method: "GET", path: "/api/agreements/{id}", api: true, summary: "An agreement with its approvals and history", result: "Agreement", handle: s.apiAgreement},
		{method: "POST", path: "/api/agreements/{id}/{action}", api: true, body: "json", summary: "approve (data owners of owning partners), activate, suspend or end an agreement; body {\"note\": \"…\"}", result: "Agreement", handle: s.apiChangeAgreement},

		// pages
		{method: "GET", path: "/signin", open: true, summary: "Sign-in form", handle: s.pageSignIn},
		{method: "POST", path: "/signin", open: true, summary: "Sign in", handle: s.postSignIn},
		{method: "POST", path: "/signin/mfa", open: true, summary: "Sign in: the second factor", handle: s.postSignInMFA},
		{method: "GET", path: "/signin/sso/{provider}", open: true, summary: "Sign in through a partner's identity provider", handle: s.getSSOStart},
		{method: "GET", path: "/signin/sso/{provider}/callback", open: true, summary: "Sign in: the identity provider's answer", handle: s.getSSOCallback},
		{method: "POST", path: "/signout", summary: "Sign out", handle: s.postSignOut},
		{method: "GET", path: "/{$}", summary: "Overview: district map of an indicator", handle: s.pageOverview},
		{method: "GET", path: "/datasets", summary: "Datasets", handle: s.pageDatasets},
		{method: "GET", path: "/datasets/{id}", summary: "A dataset: schema, versions, quality", handle: s.pageDataset},
		{method: "GET", path: "/datasets/{id}/upload", summary: "Upload form", handle: s.pageUpload},
		{method: "POST", path: "/datasets/{id}/upload", body: "multipart", summary: "Upload (form post without script)", handle: s.postUpload},
		{method: "GET", path: "/jobs/{id}", summary: "An upload job's progress", handle: s.pageJob},
		{method: "GET", path: "/assets/{file...}", open: true, summary: "The UI bundle", handle: s.serveAsset},
		{method: "GET", path: "/favicon.svg", open: true, summary: "The site's icon", handle: s.serveFavicon},
		{method: "GET", path: "/favicon.ico", open: true, summary: "The site's icon (for browsers that ask for it by this name)", handle: s.serveFavicon},
	}
	// Each room of the app lists its own routes beside its handlers.
	rs = append(rs, s.themeRoutes()...)
	rs = append(rs, s.areaRoutes()...)
	rs = append(rs, s.linkageRoutes()...)
	rs = append(rs, s.adoptionRoutes()...)
	rs = append(rs, s.accountRoutes()...)
	rs = append(rs, s.governRoutes()...)
	rs = append(rs, s.programmeRoutes()...)
	rs = append(rs, s.communityRoutes()...)
	rs = append(rs, s.voiceRoutes()...)
	rs = append(rs, s.adminRoutes()...)
	rs = append(rs, s.tokenRoutes()...)
	rs = append(rs, s.registerRoutes()...)
	return rs
}
