package cli

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"

	"github.com/drentse-aanpak/ambitiebot/internal/mattermost"
	"github.com/drentse-aanpak/ambitiebot/internal/mattermost/mmhttp"
)

// actionSecretSetting is where a generated action secret is kept, so that
// the signatures of reminders already sent stay valid across restarts.
const actionSecretSetting = "action_secret"

// chatOptions configures the Mattermost client, with the signer and URLs
// for menus and dialogs when the bot has a public URL for Mattermost to
// call back.
func (m *Main) chatOptions() (mattermost.Options, error) {
	opts := mattermost.Options{Now: m.Now, Logger: m.Logger}
	secret := m.Config.ActionSecret
	if secret == "" {
		key := make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			return opts, err
		}
		// The first process to store a secret wins; every later start
		// reads it back.
		stored, err := m.DB.SetSettingIfAbsent(context.Background(), actionSecretSetting, hex.EncodeToString(key))
		if err != nil {
			return opts, err
		}
		secret = stored
	}
	m.Signer = mattermost.NewSigner([]byte(secret), m.Now)
	if url := m.Config.PublicURL; url != "" {
		opts.ActionURL, opts.DialogURL, opts.Signer = url+"/action", url+"/dialog", m.Signer
	}
	return opts, nil
}

// routeActions serves the endpoints Mattermost calls for menus and dialogs.
func (m *Main) routeActions() {
	h := &mmhttp.ActionHandler{
		Signer: m.Signer, Actions: m.App, Render: m.Chat.ModelPost,
		Logger: m.Logger.With(slog.String("component", "actions")),
	}
	m.HTTP.Mux.HandleFunc("POST /action", h.ServeAction)
	m.HTTP.Mux.HandleFunc("POST /dialog", h.ServeDialog)
}
