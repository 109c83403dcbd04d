# bash completion for amanat                                -*- shell-script -*-
#
# Installed as share/bash-completion/completions/amanat.  It asks the amanat
# being completed for its commands ('amanat help') and each command's options
# ('amanat COMMAND --help'), so it cannot drift from the command table: a new
# command or option completes as soon as its --help names it.  Neither reads a
# vault nor asks for a passphrase.  Values: the choices a usage line spells
# out (--type testimony|document|media|case), a command's second word
# (id new, show, passwd, split, recover; witness cosign), and otherwise file names.

# _amanat_help [COMMAND] — the help text, cached per binary and command.
_amanat_help()
{
	local key="$_amanat_bin ${1:-}"
	if [[ ${_amanat_cache_key-} != "$key" ]]; then
		_amanat_cache_key=$key
		if [[ -n ${1:-} ]]; then
			_amanat_cache=$("$_amanat_bin" "$1" --help 2>/dev/null)
		else
			_amanat_cache=$("$_amanat_bin" help 2>/dev/null)
		fi
	fi
	printf '%s\n' "$_amanat_cache"
}

# _amanat_commands — the command table's names, from the overview.
_amanat_commands()
{
	_amanat_help | sed -n 's/^  \([a-z][a-z-]*\) .*/\1/p'
}

_amanat_files()
{
	if declare -F _filedir >/dev/null; then
		_filedir
	else
		local IFS=$'\n'
		COMPREPLY=($(compgen -f -- "$cur"))
		compopt -o filenames 2>/dev/null
	fi
}

_amanat()
{
	local cur prev words cword
	if declare -F _init_completion >/dev/null; then
		# -s: "--kdf=mo" completes as the value "mo" of --kdf
		_init_completion -s || return
	else
		cur=${COMP_WORDS[COMP_CWORD]}
		prev=${COMP_WORDS[COMP_CWORD - 1]}
		words=("${COMP_WORDS[@]}")
		cword=$COMP_CWORD
		# readline splits "--kdf=mo" into "--kdf" "=" "mo"
		if [[ $cur == = ]]; then
			cur=
		elif [[ $prev == = ]] && ((cword > 1)); then
			prev=${COMP_WORDS[COMP_CWORD - 2]}
		fi
	fi
	_amanat_bin=${words[0]}
	[[ $_amanat_bin == "~/"* ]] && _amanat_bin=$HOME/${_amanat_bin#"~/"}
	command -v "$_amanat_bin" >/dev/null 2>&1 || _amanat_bin=amanat

	# the command: the first word after amanat
	if ((cword == 1)); then
		COMPREPLY=($(compgen -W "$(_amanat_commands) --help --version" -- "$cur"))
		return
	fi
	local cmd=${words[1]} help
	if [[ $cmd == help ]]; then
		if ((cword == 2)); then
			COMPREPLY=($(compgen -W "$(_amanat_commands)" -- "$cur"))
		fi
		return
	fi
	help=$(_amanat_help "$cmd")
	[[ -n $help ]] || { _amanat_files; return; }

	# a second word the usage lines spell out: "amanat id new", "amanat witness cosign"
	if ((cword == 2)); then
		local subs
		subs=$(printf '%s\n' "$help" |
			sed -n "s/^\(usage:\)\{0,1\} *amanat $cmd \([a-z][a-z-]*\)\( .*\)\{0,1\}$/\2/p")
		if [[ -n $subs ]]; then
			COMPREPLY=($(compgen -W "$subs" -- "$cur"))
			return
		fi
	fi

	# the value of an option: the choices its usage spells out ("--type
	# testimony|document|media|case", "SCOPE (internal, un-mechanism, ...)"),
	# nothing for a number, date or text, and file names otherwise
	if [[ $prev == --* ]]; then
		local takes arg choices
		takes=$(printf '%s\n' "$help" | grep -o -- "$prev [^] ]*" | head -n 1)
		arg=${takes#"$prev "}
		if [[ -n $takes && $arg =~ ^[a-z][a-z0-9-]*(\|[a-z][a-z0-9-]*)+$ ]]; then
			COMPREPLY=($(compgen -W "${arg//|/ }" -- "$cur"))
			return
		fi
		if [[ -n $takes && $arg =~ ^[A-Z][A-Z_]*$ ]]; then
			choices=$(printf '%s\n' "$help" | grep -o -- "$arg ([a-z][a-z-]*\(, [a-z][a-z-]*\)*)" |
				head -n 1 | sed 's/^[^(]*(//; s/)$//; s/,//g')
			if [[ -n $choices ]]; then
				COMPREPLY=($(compgen -W "$choices" -- "$cur"))
				return
			fi
			case $arg in
			N | K | SEQ | T | TEXT | CASE | SCOPE | DATE | REASON | FIELD | ROLE | NAME | OLD_SIZE | NEW_SIZE)
				return ;;
			esac
		fi
		case $arg in
		KEY=VALUE | amanat/* | ROLE\[*) return ;;
		esac
		if [[ -n $takes && $arg != -* && $arg != "|" ]]; then
			_amanat_files
			return
		fi
	fi

	if [[ $cur == -* ]]; then
		local opts
		opts=$(printf '%s\n' "$help" | grep -o -- '--[a-z][a-z0-9-]*' | sort -u)
		COMPREPLY=($(compgen -W "$opts --help" -- "$cur"))
		return
	fi
	_amanat_files
}
complete -F _amanat amanat
