package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"eq/configs"
)

func newConfigCmd() *cobra.Command {
	cfg := &cobra.Command{
		Use:   "config",
		Short: "конфигурация офиса (office configuration)",
	}
	cfg.AddCommand(&cobra.Command{
		Use:   "check FILE",
		Short: "проверить файл конфигурации (check a config file)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := configs.Load(args[0])
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "%s: конфигурация в порядке (config is valid): %d услуг, %d окон, %d сотрудников\n",
				args[0], len(c.Office.Services), len(c.Office.Windows), len(c.Staff))
			return err
		},
	}, &cobra.Command{
		Use:   "demo",
		Short: "напечатать демонстрационную конфигурацию (print the demo config, a template)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := cmd.OutOrStdout().Write(configs.DemoYAML())
			return err
		},
	})
	return cfg
}
