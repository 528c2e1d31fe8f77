"""Settlement reads shared by the API, the admin, the dashboard and exports."""
