package web

// themeRoutes lists the routes of the theme pages (the partnership's priorities) and trend charts.
func (s *Server) themeRoutes() []route {
	return nil
}
