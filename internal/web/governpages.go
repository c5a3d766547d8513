package web

// governRoutes lists the routes of the agreements, output checking and the audit pages.
func (s *Server) governRoutes() []route {
	return nil
}
