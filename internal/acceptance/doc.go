// Package acceptance drives the ambitiebot binary through a real
// Mattermost server, the way an operator and the working group do: the
// operator runs setup, doctor and serve as the README says; people type
// slash commands, pick from menus and fill in dialogs through Mattermost's
// own API, and read the results back from it.
//
// The tests need a server started by .ci/mattermost (see the README,
// "Test against a real Mattermost"): they read AMBITIEBOT_MM_URL,
// AMBITIEBOT_MM_ADMIN_USER and AMBITIEBOT_MM_ADMIN_PASSWORD, and skip
// without them unless AMBITIEBOT_REQUIRE_MATTERMOST=1 makes that a failure.
// The package has no code outside its tests, so nothing of it ships.
package acceptance
