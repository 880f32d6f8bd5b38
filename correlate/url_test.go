package correlate

import "testing"

func TestSplitURL(t *testing.T) {
	tests := []struct {
		raw, host, path, query string
	}{
		{"inventory.corp.example/api/v1/items?limit=50&page=2", "inventory.corp.example", "/api/v1/items", "limit=50&page=2"},
		{"Inventory.CORP.example:80/Items", "inventory.corp.example", "/Items", ""},
		{"git.corp.example:443/", "git.corp.example", "/", ""},
		{"git.corp.example:8443/x", "git.corp.example:8443", "/x", ""},
		{"http://ci.corp.example/job/a/#top", "ci.corp.example", "/job/a/", ""},
		{"HTTPS://ci.corp.example", "ci.corp.example", "/", ""},
		{"10.20.9.9?x=1", "10.20.9.9", "/", "x=1"},
		{"[2001:db8::1]:80/a", "[2001:db8::1]", "/a", ""},
		{"[2001:db8::1]:8080/a", "[2001:db8::1]:8080", "/a", ""},
		{"", "", "/", ""},
	}
	for _, tc := range tests {
		h, p, q := splitURL(tc.raw)
		if h != tc.host || p != tc.path || q != tc.query {
			t.Errorf("splitURL(%q) = %q, %q, %q; want %q, %q, %q", tc.raw, h, p, q, tc.host, tc.path, tc.query)
		}
	}
}

func TestTemplatePath(t *testing.T) {
	tests := []struct{ in, want string }{
		{"/api/v1/users/1234", "/api/v1/users/{id}"},
		{"/api/v1/users/77", "/api/v1/users/{id}"},
		{"/api/v2/items", "/api/v2/items"},
		{"/orders/3f2504e0-4f89-11d3-9a0c-0305e82c3301/lines", "/orders/{uuid}/lines"},
		{"/static/e3b0c442/css/style.css", "/static/{hash}/css/style.css"},
		{"/blob/da39a3ee5e6b4b0d3255bfef95601890afd80709", "/blob/{hash}"},
		{"/facade/decade", "/facade/decade"}, // words of hex letters are words
		{"/reports/2026-11-20/summary", "/reports/{date}/summary"},
		{"/reports/20261120", "/reports/{date}"},
		{"/logs/app-2026_11_20.log", "/logs/app-{date}.log"},
		{"/browse/OPS-123", "/browse/OPS-{id}"},
		{"/images/12.jpg", "/images/{id}.jpg"},
		{"/reports/2026/q3-summary.html", "/reports/{id}/q3-summary.html"},
		{"/d/a1b2c3/overview", "/d/a1b2c3/overview"}, // too short to call a hash
		{"/", "/"},
		{"/a//b/", "/a//b/"},
		{"/v1.2.3/x", "/v1.{id}.{id}/x"},
		{"/month/2026-13-01", "/month/{id}-{id}-{id}"}, // no month 13
	}
	for _, tc := range tests {
		if got := templatePath(tc.in); got != tc.want {
			t.Errorf("templatePath(%q) = %q; want %q", tc.in, got, tc.want)
		}
	}
}

func TestTemplaterCaches(t *testing.T) {
	tp := newTemplater()
	a := tp.get("Shop.example:80/cart/17?x=1")
	b := tp.get("Shop.example:80/cart/17?x=1")
	if a != b || a.host != "shop.example" || a.tmpl != "/cart/{id}" || a.query != "x=1" || len(tp.cache) != 1 {
		t.Errorf("templater = %+v, %+v, cache %d; want host shop.example, template /cart/{id}, one entry", a, b, len(tp.cache))
	}
}
