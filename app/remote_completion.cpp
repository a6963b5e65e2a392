// `sluice completion bash|zsh`: the completion scripts, embedded so the binary is all a user needs.
// They complete subcommands, their subcommands and options, and flag keys by asking the server
// (`sluice flags list -o name`, 2 s timeout, silent when it cannot be reached).

#include <cstdio>

#include "commands.hpp"
#include "remote_commands.hpp"

namespace sluice::app {
namespace {

constexpr const char* kBash = R"SLUICE(
# bash completion for sluice: source <(sluice completion bash)
_sluice_flag_keys() {
  # Flag keys from the server the command line names (or SLUICE_SERVER); quiet when unreachable.
  local server_args=() i
  for ((i = 1; i < ${#COMP_WORDS[@]} - 1; i++)); do
    case "${COMP_WORDS[i]}" in
      --server|--token) server_args+=("${COMP_WORDS[i]}" "${COMP_WORDS[i+1]}") ;;
    esac
  done
  "${COMP_WORDS[0]}" flags list -o name --timeout 2 "${server_args[@]}" 2>/dev/null
}

_sluice() {
  local cur prev words cword
  cur="${COMP_WORDS[COMP_CWORD]}"
  prev="${COMP_WORDS[COMP_CWORD-1]}"
  local commands="validate eval demo traffic token history simulate serve flags rollout decisions audit completion"
  local connection="--server --token --timeout -o --output --help"
  # The first two words that are not options: the subcommand and its subcommand.
  local cmd="" sub="" i
  for ((i = 1; i < COMP_CWORD; i++)); do
    case "${COMP_WORDS[i]}" in
      -*) ;;
      *) if [[ -z "$cmd" ]]; then cmd="${COMP_WORDS[i]}"; elif [[ -z "$sub" ]]; then sub="${COMP_WORDS[i]}"; fi ;;
    esac
  done

  case "$prev" in
    -o|--output) COMPREPLY=($(compgen -W "json yaml name" -- "$cur")); return ;;
    -f|--file) COMPREPLY=($(compgen -f -- "$cur")); return ;;
    --kind) COMPREPLY=($(compgen -W "release experiment ops permission" -- "$cur")); return ;;
    --server|--token|--timeout|--reason|--interval|--limit|--since|--tag|--owner|--rollout) return ;;
    --flag) COMPREPLY=($(compgen -W "$(_sluice_flag_keys)" -- "$cur")); return ;;
  esac

  if [[ -z "$cmd" ]]; then
    COMPREPLY=($(compgen -W "$commands --help" -- "$cur"))
    return
  fi
  local words_for=""
  case "$cmd" in
    flags)
      if [[ -z "$sub" ]]; then
        words_for="list get apply diff kill revive"
      else
        case "$sub" in
          list) words_for="--tag --kind --owner --stale $connection" ;;
          get) words_for="$connection" ;;
          apply|diff) words_for="-f --file $connection" ;;
          kill|revive) words_for="--reason $connection" ;;
        esac
        if [[ "$cur" != -* && ( "$sub" == get || "$sub" == kill || "$sub" == revive ) ]]; then
          words_for="$(_sluice_flag_keys)"
        fi
      fi ;;
    rollout)
      if [[ -z "$sub" ]]; then
        words_for="start status watch pause resume promote rollback abort approve set-percent"
      else
        case "$sub" in
          start) words_for="-f --file $connection" ;;
          status) words_for="$connection" ;;
          watch) words_for="--interval $connection" ;;
          *) words_for="--reason $connection" ;;
        esac
        if [[ "$cur" != -* && "$sub" != start ]]; then
          words_for="$(_sluice_flag_keys)"
        fi
      fi ;;
    decisions)
      words_for="--limit --rollout $connection"
      if [[ "$cur" != -* ]]; then words_for="$(_sluice_flag_keys)"; fi ;;
    audit) words_for="--flag --since --limit $connection" ;;
    completion) words_for="bash zsh" ;;
    validate|eval|demo|traffic|token|history|simulate|serve)
      COMPREPLY=($(compgen -f -- "$cur")); return ;;
  esac
  COMPREPLY=($(compgen -W "$words_for" -- "$cur"))
}
complete -F _sluice sluice
)SLUICE";

constexpr const char* kZsh = R"SLUICE(
#compdef sluice
# zsh completion for sluice: source <(sluice completion zsh)   (after compinit)
_sluice_flag_keys() {
  local -a args keys
  local i
  for ((i = 2; i < CURRENT; i++)); do
    case "${words[i]}" in
      --server|--token) args+=("${words[i]}" "${words[i+1]}") ;;
    esac
  done
  keys=(${(f)"$(${words[1]} flags list -o name --timeout 2 "${args[@]}" 2>/dev/null)"})
  compadd -a keys
}

_sluice() {
  local -a commands connection
  commands=(
    'validate:check flag and policy files' 'eval:evaluate flags locally' 'demo:run the demo'
    'traffic:simulated users' 'token:manage API tokens' 'history:deployment history'
    'simulate:simulate rollouts' 'serve:run the server' 'flags:flags on a server'
    'rollout:rollouts on a server' 'decisions:a rollout decision log'
    'audit:the audit log' 'completion:shell completion scripts'
  )
  connection=(--server --token --timeout -o --output --help)
  local cmd="" sub="" i
  for ((i = 2; i < CURRENT; i++)); do
    case "${words[i]}" in
      -*) ;;
      *) if [[ -z $cmd ]]; then cmd=${words[i]}; elif [[ -z $sub ]]; then sub=${words[i]}; fi ;;
    esac
  done
  case "${words[CURRENT-1]}" in
    -o|--output) compadd json yaml name; return ;;
    -f|--file) _files; return ;;
    --kind) compadd release experiment ops permission; return ;;
    --flag) _sluice_flag_keys; return ;;
    --server|--token|--timeout|--reason|--interval|--limit|--since|--tag|--owner|--rollout) return ;;
  esac
  if [[ -z $cmd ]]; then
    _describe 'command' commands
    return
  fi
  case $cmd in
    flags)
      if [[ -z $sub ]]; then
        compadd list get apply diff kill revive
      elif [[ ${words[CURRENT]} != -* && ( $sub == get || $sub == kill || $sub == revive ) ]]; then
        _sluice_flag_keys
      else
        case $sub in
          list) compadd -- --tag --kind --owner --stale $connection ;;
          apply|diff) compadd -- -f --file $connection ;;
          kill|revive) compadd -- --reason $connection ;;
          *) compadd -- $connection ;;
        esac
      fi ;;
    rollout)
      if [[ -z $sub ]]; then
        compadd start status watch pause resume promote rollback abort approve set-percent
      elif [[ ${words[CURRENT]} != -* && $sub != start ]]; then
        _sluice_flag_keys
      else
        case $sub in
          start) compadd -- -f --file $connection ;;
          status) compadd -- $connection ;;
          watch) compadd -- --interval $connection ;;
          *) compadd -- --reason $connection ;;
        esac
      fi ;;
    decisions)
      if [[ ${words[CURRENT]} != -* ]]; then _sluice_flag_keys; else compadd -- --limit --rollout $connection; fi ;;
    audit) compadd -- --flag --since --limit $connection ;;
    completion) compadd bash zsh ;;
    *) _files ;;
  esac
}

if [[ $zsh_eval_context[-1] == loadautofunc ]]; then
  _sluice "$@"
else
  compdef _sluice sluice
fi
)SLUICE";

}  // namespace

int run_completion(const std::string& shell) {
  std::fputs(shell == "zsh" ? kZsh + 1 : kBash + 1, stdout);
  return kExitOk;
}

}  // namespace sluice::app
