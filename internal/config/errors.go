package config

import (
	"errors"
	"io/fs"
	"os"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
)

// invalid is a configuration error: a sentence of locales/ (a Config...
// message id) whose data names the key, so that the administrator who
// starts the bot reads it in their own language. Data never holds a secret.
func invalid(id string, data map[string]any) *ambitiebot.Error {
	return &ambitiebot.Error{Code: ambitiebot.EINVALID, MessageID: id, Data: data}
}

// readFile reads the file that the setting key names. The OS error stays
// in the cause for the log: its English must not reach the sentence.
func readFile(key, path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err == nil {
		return data, nil
	}
	id := "ConfigFileUnreadable"
	if errors.Is(err, fs.ErrNotExist) {
		id = "ConfigFileNotFound"
	}
	e := invalid(id, map[string]any{"Key": key, "File": path})
	e.Err = err
	return nil, e
}
