package ambitiebot

import "testing"

func TestUserTrust(t *testing.T) {
	for _, c := range []struct {
		u          User
		sso, guest bool
	}{
		{User{}, false, false},
		{User{AuthService: "email"}, false, false},
		{User{AuthService: "ldap"}, true, false},
		{User{AuthService: "saml", Roles: []string{"system_user", "system_guest"}}, true, true},
		{User{Roles: []string{"system_user"}}, false, false},
	} {
		if c.u.SSO() != c.sso || c.u.Guest() != c.guest {
			t.Errorf("%+v: SSO %v, Guest %v; want %v, %v", c.u, c.u.SSO(), c.u.Guest(), c.sso, c.guest)
		}
	}
}

func TestMatchDomain(t *testing.T) {
	domains := []string{"drenthe.nl", "emmen.nl", "mail.emmen.nl"}
	for _, c := range []struct{ email, want string }{
		{"p@Drenthe.NL", "drenthe.nl"},
		{"p@x.mail.emmen.nl", "mail.emmen.nl"},
		{"p@emmen.nl.evil.org", ""},
		{"p@notdrenthe.nl", ""},
		{"no-address", ""},
	} {
		if got, ok := MatchDomain(c.email, domains); got != c.want || ok != (c.want != "") {
			t.Errorf("MatchDomain(%q) = %q, %v; want %q", c.email, got, ok, c.want)
		}
	}
}
