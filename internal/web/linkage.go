package web

// linkageRoutes lists the routes of the linkage runs: start, progress, quality and clerical review.
func (s *Server) linkageRoutes() []route {
	return nil
}
