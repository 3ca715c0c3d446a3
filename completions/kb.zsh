
#compdef kb

_kb_completion() {
  eval $(env _TYPER_COMPLETE_ARGS="${words[1,$CURRENT]}" _KB_COMPLETE=complete_zsh kb)
}

compdef _kb_completion kb

